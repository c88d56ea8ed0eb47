/**
 * Auth-method chaining as a pure state machine. A user's `auth_methods` (e.g. ["pubkey",
 * "password"]) lists factors that must all be proven, in order; an empty list means any one
 * primary credential. A required TOTP factor is appended when the user or the door needs one.
 * The SSH door turns each outcome into USERAUTH_SUCCESS, or USERAUTH_FAILURE with the methods that
 * can continue and the partial-success flag, which is what makes OpenSSH prompt for the next one.
 */
export type Step = 'primary' | 'publickey' | 'certificate' | 'password' | 'totp';

/** What one verified userauth request proved. A certificate also proves `publickey`. */
export type Factor = 'publickey' | 'certificate' | 'password' | 'totp';

export type SshMethod = 'publickey' | 'password' | 'keyboard-interactive';

/** Map a configured `auth_methods` name to a step. */
export function stepOf(method: string): Step {
  switch (method) {
    case 'pubkey': case 'publickey': return 'publickey';
    case 'certificate': return 'certificate';
    // keyboard-interactive asks for the password (and the code when one is needed).
    case 'password': case 'keyboard-interactive': return 'password';
    case 'totp': return 'totp';
    default: throw new Error(`unknown auth method "${method}"`);
  }
}

/** The ordered steps for a user: their auth_methods (or one primary credential), then TOTP if required. */
export function stepsFor(authMethods: readonly string[], needTotp: boolean): Step[] {
  const steps: Step[] = authMethods.length === 0 ? ['primary'] : authMethods.map(stepOf);
  // Deduplicate while keeping order: ["password", "keyboard-interactive"] is one password step.
  const unique = steps.filter((s, i) => steps.indexOf(s) === i);
  if (needTotp && !unique.includes('totp')) unique.push('totp');
  return unique;
}

function satisfies(step: Step, factor: Factor): boolean {
  switch (step) {
    case 'primary': return factor === 'publickey' || factor === 'certificate' || factor === 'password';
    case 'publickey': return factor === 'publickey' || factor === 'certificate';
    default: return step === factor;
  }
}

/** SSH methods that can prove `step`, in the order we advertise them. */
export function methodsFor(step: Step): SshMethod[] {
  switch (step) {
    case 'primary': return ['publickey', 'password', 'keyboard-interactive'];
    case 'publickey': case 'certificate': return ['publickey'];
    case 'password': return ['password', 'keyboard-interactive'];
    case 'totp': return ['keyboard-interactive'];
  }
}

export type ChainOutcome =
  | { kind: 'success' }
  /** some factor was accepted: reply USERAUTH_FAILURE with partial success = true */
  | { kind: 'partial'; methodsLeft: SshMethod[] }
  /** nothing the chain needs now: plain USERAUTH_FAILURE */
  | { kind: 'out-of-order'; methodsLeft: SshMethod[] };

export class AuthChain {
  readonly #steps: readonly Step[];
  #next = 0;

  constructor(steps: readonly Step[]) {
    if (steps.length === 0) throw new Error('an auth chain needs at least one step');
    this.#steps = steps;
  }

  get done(): boolean { return this.#next >= this.#steps.length; }
  /** The step the chain waits for (undefined when done). */
  get expected(): Step | undefined { return this.#steps[this.#next]; }
  get completed(): readonly Step[] { return this.#steps.slice(0, this.#next); }
  /** Whether `step` is still to be proven (now or later). */
  pending(step: Step): boolean { return this.#steps.slice(this.#next).includes(step); }

  methodsLeft(): SshMethod[] {
    const step = this.expected;
    return step ? methodsFor(step) : [];
  }

  /** Whether an SSH method can make progress now (checked before spending effort on it). */
  accepts(method: SshMethod): boolean {
    return this.methodsLeft().includes(method);
  }

  /** Apply the factors one request proved; each factor advances at most one step, in order. */
  offer(factors: readonly Factor[]): ChainOutcome {
    const unused = [...factors];
    const before = this.#next;
    while (!this.done) {
      const step = this.#steps[this.#next]!;
      const i = unused.findIndex((f) => satisfies(step, f));
      if (i === -1) break;
      unused.splice(i, 1);
      this.#next++;
    }
    if (this.done) return { kind: 'success' };
    if (this.#next > before) return { kind: 'partial', methodsLeft: this.methodsLeft() };
    return { kind: 'out-of-order', methodsLeft: this.methodsLeft() };
  }
}
