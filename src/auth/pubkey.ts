/**
 * authorized_keys entries: `[options] keytype base64 [comment]`, parsed once per config load.
 *
 * Options, and what we do with each (sshd(8) AUTHORIZED_KEYS FILE FORMAT):
 * - honoured: `from=` (client address patterns), `expiry-time=`, `no-port-forwarding`,
 *   `port-forwarding`, `permitopen=`, `no-pty`, `pty`, `restrict`, `cert-authority` (+ `principals=`:
 *   this line is a CA trusted for this user's certificates only).
 * - enforced strictly: `command=` — we never run programs, so shell/exec are refused on such a
 *   connection; forwarding keeps working (the usual "tunnel-only key" pattern).
 * - accepted, no effect because the feature is always off here: `no-agent-forwarding`,
 *   `agent-forwarding`, `no-X11-forwarding`, `X11-forwarding`, `no-user-rc`, `user-rc`,
 *   `permitlisten=` (-R is refused), `environment=` (nothing is spawned), `tunnel=`.
 * - refused (the line fails to load): any other option, e.g. `verify-required`, `no-touch-required`
 *   (security keys are not supported), or a misspelling.
 */
import { fingerprintOf, parsePublicKeyBlob, type SshPublicKey } from './ssh-key.js';
import { compileFromPatterns, type SourceMatcher } from './source-pattern.js';
import { parsePermitOpen, type KeyRestrictions, type PermitOpen } from './key-options.js';

export const MAX_AUTHORIZED_KEY_LINE = 16 * 1024;

export interface AuthorizedKey {
  readonly key: SshPublicKey;
  readonly fingerprint: string;
  readonly comment: string;
  readonly from: SourceMatcher | undefined;
  /** ms since epoch; the key stops working at this instant */
  readonly expiresAt: number | undefined;
  readonly restrictions: KeyRestrictions;
  readonly certAuthority: boolean;
  /** principals= on a cert-authority line; undefined = the username must be a principal */
  readonly principals: readonly string[] | undefined;
}

export class AuthorizedKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthorizedKeyError';
  }
}

const FLAG_OPTIONS = new Set([
  'no-port-forwarding', 'port-forwarding', 'no-pty', 'pty', 'restrict', 'cert-authority',
  'no-agent-forwarding', 'agent-forwarding', 'no-x11-forwarding', 'x11-forwarding', 'no-user-rc', 'user-rc',
]);
const VALUE_OPTIONS = new Set(['from', 'expiry-time', 'command', 'permitopen', 'permitlisten', 'principals', 'environment', 'tunnel']);

interface RawOption { name: string; value: string | undefined }

/** Split the options field: `name` or `name="value"` separated by commas; `\"` escapes a quote. */
function splitOptions(text: string): { options: RawOption[]; rest: string } {
  const options: RawOption[] = [];
  let i = 0;
  for (;;) {
    const nameMatch = /^[A-Za-z0-9-]+/.exec(text.slice(i));
    if (!nameMatch) throw new AuthorizedKeyError(`malformed option at "${text.slice(i, i + 20)}"`);
    const name = nameMatch[0].toLowerCase();
    i += nameMatch[0].length;
    let value: string | undefined;
    if (text[i] === '=') {
      if (text[i + 1] !== '"') throw new AuthorizedKeyError(`option ${name}= needs a double-quoted value`);
      i += 2;
      let v = '';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && text[i + 1] === '"') { v += '"'; i += 2; continue; }
        v += text[i];
        i++;
      }
      if (i >= text.length) throw new AuthorizedKeyError(`option ${name}= has an unterminated quote`);
      i++;
      value = v;
    }
    options.push({ name, value });
    if (text[i] === ',') { i++; continue; }
    if (text[i] === ' ' || text[i] === '\t') return { options, rest: text.slice(i).trim() };
    throw new AuthorizedKeyError(`unexpected "${text[i] ?? 'end of line'}" after option ${name}`);
  }
}

/** OpenSSH `expiry-time`: YYYYMMDD[HHMM[SS]], taken as UTC (sshd uses local time unless `Z`). */
export function parseExpiryTime(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?Z?$/.exec(value);
  if (!m) throw new AuthorizedKeyError(`expiry-time="${value}": expected YYYYMMDD[HHMM[SS]][Z]`);
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new AuthorizedKeyError(`expiry-time="${value}" is not a valid date`);
  }
  return t;
}

function looksLikeKeyType(token: string): boolean {
  return /^(ssh-|ecdsa-|sk-|rsa-)/.test(token);
}

export function parseAuthorizedKey(line: string): AuthorizedKey {
  const text = line.trim();
  if (text.length > MAX_AUTHORIZED_KEY_LINE) throw new AuthorizedKeyError(`line is ${text.length} characters, limit ${MAX_AUTHORIZED_KEY_LINE}`);
  if (text === '' || text.startsWith('#')) throw new AuthorizedKeyError('empty line or comment');
  let options: RawOption[] = [];
  let rest = text;
  const firstToken = text.split(/\s+/, 1)[0] ?? '';
  if (!looksLikeKeyType(firstToken)) ({ options, rest } = splitOptions(text));
  const [type = '', b64 = '', ...commentParts] = rest.split(/\s+/);
  if (!looksLikeKeyType(type)) throw new AuthorizedKeyError(`expected a key type such as ssh-ed25519, got "${type.slice(0, 40)}"`);
  if (type.includes('-cert-v01@')) throw new AuthorizedKeyError('a certificate cannot be an authorized key; trust its CA instead (security.trusted_user_ca_keys)');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new AuthorizedKeyError(`${type}: key data is not base64`);
  let key: SshPublicKey;
  try {
    key = parsePublicKeyBlob(Buffer.from(b64, 'base64'));
  } catch (err) {
    throw new AuthorizedKeyError(`${type}: ${(err as Error).message}`);
  }
  if (key.type !== type) throw new AuthorizedKeyError(`key type "${type}" does not match the key data (${key.type})`);

  let portForwarding = true;
  let pty = true;
  let forcedCommand: string | undefined;
  let permitOpen: PermitOpen[] | undefined;
  let from: SourceMatcher | undefined;
  let expiresAt: number | undefined;
  let certAuthority = false;
  let principals: string[] | undefined;
  for (const { name, value } of options) {
    if (FLAG_OPTIONS.has(name) && value !== undefined) throw new AuthorizedKeyError(`option ${name} takes no value`);
    if (VALUE_OPTIONS.has(name) && value === undefined) throw new AuthorizedKeyError(`option ${name} needs a value: ${name}="..."`);
    switch (name) {
      case 'restrict': portForwarding = false; pty = false; break;
      case 'no-port-forwarding': portForwarding = false; break;
      case 'port-forwarding': portForwarding = true; break;
      case 'no-pty': pty = false; break;
      case 'pty': pty = true; break;
      case 'cert-authority': certAuthority = true; break;
      case 'from':
        try { from = compileFromPatterns(value!); } catch (err) { throw new AuthorizedKeyError((err as Error).message); }
        break;
      case 'expiry-time': expiresAt = parseExpiryTime(value!); break;
      case 'command': forcedCommand = value!; break;
      case 'permitopen':
        try { (permitOpen ??= []).push(...value!.split(',').map((v) => parsePermitOpen(v.trim()))); } catch (err) { throw new AuthorizedKeyError((err as Error).message); }
        break;
      case 'principals': principals = value!.split(',').map((p) => p.trim()).filter((p) => p !== ''); break;
      case 'no-agent-forwarding': case 'agent-forwarding': case 'no-x11-forwarding': case 'x11-forwarding':
      case 'no-user-rc': case 'user-rc': case 'permitlisten': case 'environment': case 'tunnel':
        break; // the feature is always off here (see the header comment)
      default:
        throw new AuthorizedKeyError(`option "${name}" is not supported`);
    }
  }
  if (principals !== undefined && !certAuthority) throw new AuthorizedKeyError('principals= is only valid with cert-authority');
  return {
    key,
    fingerprint: fingerprintOf(key.blob),
    comment: commentParts.join(' '),
    from,
    expiresAt,
    restrictions: Object.freeze({ portForwarding, pty, forcedCommand, permitOpen }),
    certAuthority,
    principals,
  };
}

/** Parse a user's `authorized_keys` list; errors name the entry so check-config can report them. */
export function parseAuthorizedKeys(lines: readonly string[]): { keys: AuthorizedKey[]; errors: string[] } {
  const keys: AuthorizedKey[] = [];
  const errors: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    try {
      keys.push(parseAuthorizedKey(line));
    } catch (err) {
      errors.push(`authorized_keys[${i}]: ${(err as Error).message}`);
    }
  });
  return { keys, errors };
}

/** `known`: the key is listed but its options refuse this login (worth auditing, unlike a probe). */
export type KeyMatch = { ok: true; entry: AuthorizedKey } | { ok: false; known: boolean; reason: string };

/**
 * Find the entry for `blob` among the user's keys and check its options against this login.
 * Signature verification is the caller's (it depends on the transport).
 */
export function matchAuthorizedKey(keys: readonly AuthorizedKey[], blob: Buffer, clientIp: string, now: number): KeyMatch {
  const entry = keys.find((k) => !k.certAuthority && k.key.blob.equals(blob));
  if (!entry) return { ok: false, known: false, reason: `key ${fingerprintOf(blob)} not authorized` };
  if (entry.expiresAt !== undefined && now >= entry.expiresAt) {
    return { ok: false, known: true, reason: `key ${entry.fingerprint} expired at ${new Date(entry.expiresAt).toISOString()} (expiry-time)` };
  }
  if (entry.from && !entry.from.matches(clientIp)) {
    return { ok: false, known: true, reason: `key ${entry.fingerprint} not allowed from ${clientIp} (from="${entry.from.source}")` };
  }
  return { ok: true, entry };
}
