/**
 * sshgate's engine inside sks5: a passive tap on each SSH transport socket reads the client's
 * plaintext identification and first KEXINIT (the same bytes ssh2 is parsing) and computes the
 * sshgate fingerprint and HASSH. It never writes to the socket and detaches as soon as the KEXINIT
 * is read, or the input turns out not to be one (bounded by the parser's limits).
 */
import type { Socket } from 'node:net';
import { ClientHelloParser } from '../gate/kexinit.js';
import { describeKexinit, type FingerprintMaterial } from '../gate/fingerprint.js';

export type HelloOutcome = { ok: true; material: FingerprintMaterial } | { ok: false; reason: string };

/** Feed chunks as they arrive; resolves once, with the fingerprint or the reason there is none. */
export class HelloTap {
  readonly #parser = new ClientHelloParser({ strict: false });
  #done: HelloOutcome | undefined;

  get outcome(): HelloOutcome | undefined { return this.#done; }

  feed(chunk: Buffer): HelloOutcome | undefined {
    if (this.#done) return this.#done;
    const step = this.#parser.feed(chunk);
    if (step.kind === 'need') return undefined;
    this.#done = step.kind === 'done'
      ? { ok: true, material: describeKexinit(step.hello.kexinit, step.hello.ident) }
      : { ok: false, reason: `${step.phase}: ${step.reason}` };
    return this.#done;
  }
}

/** Attach the tap to a socket that another reader (ssh2) consumes; `onOutcome` is called once. */
export function tapClientHello(socket: Socket, onOutcome: (o: HelloOutcome) => void): void {
  const tap = new HelloTap();
  const onData = (chunk: Buffer): void => {
    const o = tap.feed(chunk);
    if (!o) return;
    socket.off('data', onData);
    onOutcome(o);
  };
  socket.on('data', onData);
  socket.once('close', () => { if (!tap.outcome) { socket.off('data', onData); onOutcome({ ok: false, reason: 'closed before KEXINIT' }); } });
}
