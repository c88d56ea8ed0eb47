/**
 * Two Duplex ends joined back to back: what one end writes, the other reads. The plain-HTTP
 * forwarder gives one end to Node's HTTP client (as its connection) and the other to the
 * pipeline's relay, so forwarded requests are counted, shaped, cut at quota and kicked exactly
 * like tunnels. (Node 22 has stream.duplexPair; Node 20, our floor, does not.)
 */
import { Duplex } from 'node:stream';

class End extends Duplex {
  peer: End | undefined;
  /** The write waiting for the peer's reader to ask for more (backpressure). */
  #pending: (() => void) | undefined;

  override _read(): void {
    const peer = this.peer;
    if (!peer) return;
    const resume = peer.#pending;
    peer.#pending = undefined;
    resume?.();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const peer = this.peer;
    if (!peer || peer.destroyed) return done(new Error('stream pair: peer closed'));
    if (peer.push(chunk)) done();
    else this.#pending = () => done();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.peer?.push(null);
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = undefined;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.();
    if (peer && !peer.destroyed) peer.destroy();
    done(err);
  }
}

export function streamPair(): [Duplex, Duplex] {
  const a = new End();
  const b = new End();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
