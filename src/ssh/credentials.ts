/**
 * Keys and CAs compiled once per config snapshot (users and config objects are frozen and swapped
 * whole on reload), so a login compares blobs instead of re-parsing authorized_keys lines.
 */
import type { Config } from '../config/schema.js';
import type { EffectiveUser } from '../config/users.js';
import { parseTrustedCas, type TrustedCa } from '../auth/cert.js';
import { parseAuthorizedKeys, type AuthorizedKey } from '../auth/pubkey.js';

export interface CredentialStore {
  keysOf(user: EffectiveUser): readonly AuthorizedKey[];
  trustedCasOf(user: EffectiveUser): readonly TrustedCa[];
}

export function createCredentialStore(config: () => Config, warn: (msg: string) => void): CredentialStore {
  const keys = new WeakMap<EffectiveUser, readonly AuthorizedKey[]>();
  const globalCas = new WeakMap<Config, readonly TrustedCa[]>();
  const userCas = new WeakMap<EffectiveUser, readonly TrustedCa[]>();
  const keysOf = (user: EffectiveUser): readonly AuthorizedKey[] => {
    let k = keys.get(user);
    if (!k) {
      const parsed = parseAuthorizedKeys(user.authorizedKeys);
      for (const e of parsed.errors) warn(`users.${user.username}.${e} (entry ignored)`);
      k = Object.freeze(parsed.keys);
      keys.set(user, k);
    }
    return k;
  };
  return {
    keysOf,
    trustedCasOf(user) {
      const cfg = config();
      let g = globalCas.get(cfg);
      if (!g) {
        const parsed = parseTrustedCas(cfg.security.trusted_user_ca_keys);
        for (const e of parsed.errors) warn(`${e} (entry ignored)`);
        g = Object.freeze(parsed.cas);
        globalCas.set(cfg, g);
      }
      let u = userCas.get(user);
      if (!u) {
        // authorized_keys `cert-authority` lines: CAs trusted for this user only.
        u = Object.freeze(keysOf(user).filter((k) => k.certAuthority).map((k) => ({ key: k.key, fingerprint: k.fingerprint, principals: k.principals })));
        userCas.set(user, u);
      }
      return u.length === 0 ? g : [...g, ...u];
    },
  };
}
