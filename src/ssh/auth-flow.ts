/**
 * SSH user authentication for one connection: password, publickey (plain keys and OpenSSH
 * certificates), keyboard-interactive (password and/or TOTP code), chained per the user's
 * `auth_methods`, with one attempt budget (`limits.max_auth_attempts`) across all methods.
 * Every rejected credential emits one `auth.failure` through the door port. Probing which keys are
 * accepted (publickey without signature) is not an attempt, as in OpenSSH, but is capped.
 */
import ssh2 from 'ssh2';
import type { AuthContext, KeyboardAuthContext, PasswordAuthContext, PublicKeyAuthContext } from 'ssh2';
import type { EffectiveUser } from '../config/users.js';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { AuthedSession, SshDoorConnection, SshDoorPort } from '../pipeline/types.js';
import { AuthChain, stepsFor, type Factor, type SshMethod } from '../auth/chain.js';
import { checkCertificate, isCertAlgorithm, verifyCertSessionSignature, type TrustedCa } from '../auth/cert.js';
import { UNRESTRICTED, type KeyRestrictions } from '../auth/key-options.js';
import { verifyPassword } from '../auth/password.js';
import { matchAuthorizedKey, type AuthorizedKey } from '../auth/pubkey.js';
import { fingerprintOf } from '../auth/ssh-key.js';
import { splitPasswordAndCode, totpRequired, type TotpResult } from '../auth/totp.js';

export const MAX_KEY_OFFERS = 16;
const DEFAULT_METHODS: SshMethod[] = ['publickey', 'password', 'keyboard-interactive'];
const PASSWORD_PROMPT = 'Password: ';
export const TOTP_PROMPT = 'Verification code: ';

export interface TotpChecker {
  verify(username: string, secretBase32: string | undefined, code: string, now: number): TotpResult;
}

export interface AuthFlowDeps {
  readonly port: Pick<SshDoorPort, 'user' | 'authFailed' | 'authorize'>;
  readonly conn: SshDoorConnection;
  readonly config: () => Config;
  readonly clock: Clock;
  readonly log: Pick<Logger, 'info'>;
  readonly totp: TotpChecker;
  readonly keysOf: (user: EffectiveUser) => readonly AuthorizedKey[];
  readonly trustedCasOf: (user: EffectiveUser) => readonly TrustedCa[];
  /** Called once, before USERAUTH_SUCCESS is sent. */
  readonly onAuthenticated: (session: AuthedSession, restrictions: KeyRestrictions) => void;
  /** Attempts exhausted or account refused: end the connection after the failure reply. */
  /** `clientText`, when given, is sent in the SSH DISCONNECT (OpenSSH prints it); `reason` is only logged. */
  readonly disconnect: (reason: string, clientText?: string) => void;
}

interface Proof { factors: Factor[]; fingerprint?: string; restrictions?: KeyRestrictions }
type Verdict = { ok: true; proof: Proof } | { ok: false; reason: string; counted: boolean };

export class SshAuthFlow {
  readonly #d: AuthFlowDeps;
  #username: string | undefined;
  #user: EffectiveUser | undefined;
  #chain: AuthChain | undefined;
  #failures = 0;
  #keyOffers = 0;
  #methods: string[] = [];
  #fingerprint: string | undefined;
  #restrictions: KeyRestrictions = UNRESTRICTED;
  #finished = false;

  constructor(deps: AuthFlowDeps) {
    this.#d = deps;
  }

  #methodsLeft(): SshMethod[] {
    return this.#chain ? this.#chain.methodsLeft() : DEFAULT_METHODS;
  }

  #bind(username: string): void {
    if (this.#username !== undefined) return;
    this.#username = username;
    this.#user = this.#d.port.user(username);
    if (this.#user) {
      const need = totpRequired(this.#user, 'ssh', this.#d.config().security.totp_required_for);
      this.#chain = new AuthChain(stepsFor(this.#user.authMethods, need));
    }
  }

  /** Answer one userauth request; resolves once ssh2 has been given the answer. */
  handle(ctx: AuthContext): Promise<void> {
    if (this.#finished) { ctx.reject([]); return Promise.resolve(); }
    this.#bind(ctx.username);
    const method = ctx.method;
    if (method === 'none' || method === 'hostbased') { ctx.reject(this.#methodsLeft()); return Promise.resolve(); }
    if (this.#chain && !this.#chain.accepts(method)) { ctx.reject(this.#methodsLeft()); return Promise.resolve(); }
    let work: Promise<Verdict | undefined>;
    switch (method) {
      case 'password': work = this.#password(ctx); break;
      case 'keyboard-interactive': work = this.#keyboard(ctx); break;
      case 'publickey': work = this.#publickey(ctx); break;
    }
    return work.then(
      (v) => { if (v) this.#conclude(ctx, method, v); },
      (err: unknown) => this.#conclude(ctx, method, { ok: false, reason: `internal error: ${(err as Error).message}`, counted: true }),
    );
  }

  #conclude(ctx: AuthContext, method: string, v: Verdict): void {
    const username = ctx.username;
    if (!v.ok) {
      if (!v.counted) { ctx.reject(this.#methodsLeft()); return; }
      this.#failures += 1;
      this.#d.port.authFailed(this.#d.conn, username, method, v.reason);
      const max = this.#d.config().limits.max_auth_attempts;
      if (this.#failures >= max) {
        this.#finished = true;
        ctx.reject([]);
        this.#d.disconnect(`too many authentication failures (${this.#failures})`);
        return;
      }
      ctx.reject(this.#methodsLeft());
      return;
    }
    const { proof } = v;
    const chain = this.#chain;
    const user = this.#user;
    if (!chain || !user) { ctx.reject(DEFAULT_METHODS); return; } // unreachable: verdicts for unknown users fail
    const outcome = chain.offer(proof.factors);
    if (outcome.kind === 'out-of-order') { ctx.reject(outcome.methodsLeft); return; }
    // The key that counted decides what the connection may do (permitopen, no-pty, command=).
    if (proof.fingerprint !== undefined) this.#fingerprint = proof.fingerprint;
    if (proof.restrictions) this.#restrictions = proof.restrictions;
    // Named by what was proven ("publickey+password", "password+totp"), like the SOCKS5 door.
    this.#methods.push(...proof.factors);
    if (outcome.kind === 'partial') { ctx.reject(outcome.methodsLeft, true); return; }
    const label = [...new Set(this.#methods)].join('+');
    const d = this.#d.port.authorize(this.#d.conn, user, label, this.#fingerprint);
    this.#finished = true;
    if (!d.allow) {
      // Credentials were right, so saying why costs nothing to an attacker. No USERAUTH_FAILURE
      // first: OpenSSH would stop at "Permission denied" before reading the DISCONNECT's text.
      this.#d.disconnect(d.operator, d.client);
      return;
    }
    this.#d.onAuthenticated(d.value, this.#restrictions);
    ctx.accept();
  }

  async #checkPassword(user: EffectiveUser | undefined, password: Buffer): Promise<boolean> {
    return verifyPassword(user?.passwordHash, password);
  }

  #checkCode(code: string): TotpResult {
    const user = this.#user;
    if (!user) return { ok: false, reason: 'unknown user' };
    if (!user.totpEnabled || !user.totpSecret) return { ok: false, reason: 'totp required on ssh but not configured for this user' };
    return this.#d.totp.verify(user.username, user.totpSecret, code.trim(), this.#d.clock.now());
  }

  /** Password, or password with the 6-digit code appended (`pass:123456` / `pass123456`). */
  async #password(ctx: PasswordAuthContext): Promise<Verdict> {
    const user = this.#user;
    // ssh2 hands a password-change request ({ oldPassword, newPassword }) through the same field.
    if (typeof ctx.password !== 'string') return { ok: false, reason: 'password change requests are not supported', counted: true };
    const input = Buffer.from(ctx.password, 'utf8');
    try {
      const split = user && this.#chain?.pending('totp') ? splitPasswordAndCode(input) : undefined;
      if (split && await this.#checkPassword(user, Buffer.from(split.password))) {
        const r = this.#checkCode(split.code);
        return r.ok ? { ok: true, proof: { factors: ['password', 'totp'] } } : { ok: false, reason: r.reason, counted: true };
      }
      // A password may itself end in six digits: try it whole before calling it wrong.
      if (await this.#checkPassword(user, Buffer.from(input))) return { ok: true, proof: { factors: ['password'] } };
      return { ok: false, reason: user ? 'wrong password' : 'unknown user', counted: true };
    } finally {
      input.fill(0);
    }
  }

  #keyboard(ctx: KeyboardAuthContext): Promise<Verdict | undefined> {
    const chain = this.#chain;
    const wantPassword = !chain || chain.expected === 'primary' || chain.expected === 'password';
    const wantCode = chain ? chain.expected === 'totp' || (wantPassword && chain.pending('totp')) : false;
    const prompts = [
      ...(wantPassword ? [{ prompt: PASSWORD_PROMPT, echo: false }] : []),
      ...(wantCode ? [{ prompt: TOTP_PROMPT, echo: false }] : []),
    ];
    return new Promise((resolve) => {
      ctx.once('abort', () => resolve(undefined));
      // OpenSSH prints a non-empty name on its own line before the prompt, at every login.
      ctx.prompt(prompts, '', '', (answers: string[] | Error) => {
        if (!Array.isArray(answers)) { resolve(undefined); return; }
        if (answers.length !== prompts.length) { resolve({ ok: false, reason: 'wrong number of keyboard-interactive answers', counted: true }); return; }
        void this.#answer(answers, wantPassword, wantCode).then(resolve, (err: unknown) => resolve({ ok: false, reason: `internal error: ${(err as Error).message}`, counted: true }));
      });
    });
  }

  async #answer(answers: string[], wantPassword: boolean, wantCode: boolean): Promise<Verdict> {
    const factors: Factor[] = [];
    if (wantPassword) {
      if (!(await this.#checkPassword(this.#user, Buffer.from(answers[0] ?? '', 'utf8')))) {
        return { ok: false, reason: this.#user ? 'wrong password' : 'unknown user', counted: true };
      }
      factors.push('password');
    }
    if (wantCode) {
      const r = this.#checkCode(answers[wantPassword ? 1 : 0] ?? '');
      if (!r.ok) return { ok: false, reason: r.reason, counted: true };
      factors.push('totp');
    }
    return { ok: true, proof: { factors } };
  }

  async #publickey(ctx: PublicKeyAuthContext): Promise<Verdict | undefined> {
    const user = this.#user;
    const { algo, data } = ctx.key;
    const signed = ctx.signature !== undefined && ctx.blob !== undefined;
    const now = this.#d.clock.now();
    if (!signed && ++this.#keyOffers > MAX_KEY_OFFERS) {
      this.#finished = true;
      ctx.reject([]);
      this.#d.disconnect(`more than ${MAX_KEY_OFFERS} keys offered`);
      return undefined;
    }
    if (!user) return { ok: false, reason: 'unknown user', counted: signed };

    if (isCertAlgorithm(algo)) {
      const v = checkCertificate({ algorithm: algo, blob: data, trustedCas: this.#d.trustedCasOf(user), username: user.username, clientIp: this.#d.conn.client.ip, now });
      // A certificate names its holder: a refused one is a real failure, not a probe.
      if (!v.ok) return { ok: false, reason: v.reason, counted: true };
      if (!signed) { ctx.accept(); return undefined; }
      const sigError = verifyCertSessionSignature(algo, v.cert, ctx.blob!, ctx.signature!);
      if (sigError) return { ok: false, reason: `certificate "${v.cert.keyId}": ${sigError}`, counted: true };
      this.#d.log.info({ conn_id: this.#d.conn.client.connId, user: user.username, cert_id: v.cert.keyId, serial: String(v.cert.serial), ca: v.caFingerprint }, 'certificate accepted');
      return { ok: true, proof: { factors: ['certificate'], fingerprint: fingerprintOf(v.cert.key.blob), restrictions: v.restrictions } };
    }

    const match = matchAuthorizedKey(this.#d.keysOf(user), data, this.#d.conn.client.ip, now);
    if (!match.ok) {
      // An unknown key is a probe (OpenSSH offers every key it has); a known key refused by its
      // options (from=, expiry-time=) is a failure worth auditing.
      return { ok: false, reason: match.reason, counted: signed || match.known };
    }
    if (!signed) { ctx.accept(); return undefined; }
    if (match.entry.key.type === 'ssh-rsa' && ctx.hashAlgo === undefined) {
      return { ok: false, reason: 'ssh-rsa (SHA-1) signatures are refused; use rsa-sha2-256 or rsa-sha2-512', counted: true };
    }
    const parsed = ssh2.utils.parseKey(`${match.entry.key.type} ${match.entry.key.blob.toString('base64')}`);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || key instanceof Error) return { ok: false, reason: 'key could not be loaded for verification', counted: true };
    if (key.verify(ctx.blob!, ctx.signature!, ctx.hashAlgo) !== true) return { ok: false, reason: `bad signature for key ${match.entry.fingerprint}`, counted: true };
    return { ok: true, proof: { factors: ['publickey'], fingerprint: match.entry.fingerprint, restrictions: match.entry.restrictions } };
  }
}
