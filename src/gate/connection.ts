/**
 * One client connection, top to bottom: banner from cache -> read ident + KEXINIT under one
 * deadline -> record and decide -> only then dial sshd, replay what the client sent, swallow
 * sshd's own banner (the client already has one) and relay.
 */
import type { Socket } from 'node:net';
import type { Clock } from '../clock.js';
import type { FingerprintEntry } from '../store/fingerprint-schema.js';
import { type BackendError, dialBackend, readBackendIdent, type BannerCache } from './backend.js';
import { describeKexinit, type FingerprintMaterial } from './fingerprint.js';
import { goQuote } from './go-format.js';
import { ClientHelloParser, type ClientHello } from './kexinit.js';
import type { ConnectionResult, GateMetrics } from './metrics.js';
import { relay } from './relay.js';
import { joinHostPort } from '../host-port.js';
import { unmapIpv4Text } from '../policy/ip-address.js';
import type { Route } from './routes.js';

export interface GateTimeouts {
  /** Whole client handshake (ident + KEXINIT): a slowloris client cannot stretch it. */
  readonly handshakeMs: number;
  readonly dialMs: number;
  readonly backendIdentMs: number;
  readonly idleMs: number;
}

export const DEFAULT_TIMEOUTS: GateTimeouts = { handshakeMs: 10_000, dialMs: 10_000, backendIdentMs: 10_000, idleMs: 5 * 60_000 };

/** The store operations the gate needs (FingerprintStore implements it). */
export interface GateStore {
  observe(m: FingerprintMaterial, ip: string, blockUnknown: boolean, nowMs: number): FingerprintEntry;
}

export interface ConnectionContext {
  readonly route: Route;
  readonly banner: BannerCache;
  readonly store: GateStore;
  readonly allowUnknown: boolean;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  readonly metrics: GateMetrics;
  readonly timeouts: GateTimeouts;
  /** Called with every fingerprint decision (for the sks5 event bus, tests). */
  readonly onSeen?: (ip: string, m: FingerprintMaterial, entry: FingerprintEntry) => void;
}

/** Runs after admission (slot + rate limit). Resolves when the connection is finished. */
export async function handleConnection(client: Socket, ip: string, ctx: ConnectionContext): Promise<void> {
  const { route, log, metrics } = ctx;
  const result = (r: ConnectionResult): void => metrics.result(route.listen, r);
  client.on('error', () => {});
  let banner: Buffer;
  try {
    banner = await ctx.banner.get();
  } catch (err) {
    log(`[${ip}] BACKEND ${route.backend}: ${(err as Error).message}`);
    result('backend_error');
    client.destroy();
    return;
  }
  // Clients such as OpenSSH wait for the server banner before sending KEXINIT, so we answer first.
  client.write(banner);
  const hello = await readClientHello(client, ip, ctx);
  if (!hello) return;

  const material = describeKexinit(hello.hello.kexinit, hello.hello.ident);
  let entry: FingerprintEntry;
  try {
    entry = ctx.store.observe(material, ip, !ctx.allowUnknown, ctx.clock.now());
  } catch (err) {
    log(`[${ip}] BLOCKED store error: ${(err as Error).message}`);
    result('store_error');
    client.destroy();
    return;
  }
  ctx.onSeen?.(ip, material, entry);
  const fp = material.fingerprint;
  const who = goQuote(material.clientId);
  if (entry.status === 'approved') {
    log(`[${ip}] APPROVED ${fp} label=${goQuote(entry.label)} client=${who}`);
  } else if (entry.status === 'blocked') {
    log(`[${ip}] BLOCKED ${fp} label=${goQuote(entry.label)} client=${who}`);
    result('blocked');
    client.destroy();
    return;
  } else if (!ctx.allowUnknown) {
    log(`[${ip}] PENDING ${fp} client=${who}`);
    result('pending');
    client.destroy();
    return;
  } else {
    log(`[${ip}] PENDING allowed ${fp} client=${who}`);
  }
  await forward(client, ip, fp, hello.hello, hello.rest, banner, ctx);
}

async function readClientHello(client: Socket, ip: string, ctx: ConnectionContext): Promise<{ hello: ClientHello; rest: Buffer } | null> {
  const parser = new ClientHelloParser();
  const what = (): string => (parser.phase === 'identification' ? 'SSH identification' : 'SSH KEXINIT');
  const fail = (line: string, r: ConnectionResult): null => {
    ctx.log(`[${ip}] ${line}`);
    ctx.metrics.result(ctx.route.listen, r);
    client.destroy();
    return null;
  };
  const malformed = (): ConnectionResult => (parser.phase === 'identification' ? 'malformed_ident' : 'malformed_kexinit');
  return new Promise((resolve) => {
    const finish = (v: { hello: ClientHello; rest: Buffer } | null): void => {
      clearTimeout(timer);
      client.off('data', onData);
      client.off('end', onEnd);
      client.off('error', onError);
      client.off('close', onClose);
      resolve(v);
    };
    const timer = setTimeout(() => finish(fail(`TIMEOUT awaiting ${what()}`, 'timeout')), ctx.timeouts.handshakeMs);
    const onData = (chunk: Buffer): void => {
      const step = parser.feed(chunk);
      if (step.kind === 'need') return;
      if (step.kind === 'error') {
        finish(fail(`BLOCKED malformed ${what()}: ${step.reason}`, malformed()));
        return;
      }
      // Anything after KEXINIT (dropbear's guessed KEX packet) waits in `rest` and the socket
      // buffer until the decision; nothing more is read meanwhile.
      client.pause();
      finish({ hello: step.hello, rest: step.rest });
    };
    const onEnd = (): void => finish(fail(`BLOCKED malformed ${what()}: ${parser.eofReason()}`, malformed()));
    const onError = (err: Error): void => finish(fail(`BLOCKED malformed ${what()}: ${err.message}`, malformed()));
    // Destroyed from our side (drain): nothing to log, just stop waiting.
    const onClose = (): void => finish(null);
    client.on('data', onData);
    client.once('end', onEnd);
    client.once('error', onError);
    client.once('close', onClose);
  });
}

async function forward(client: Socket, ip: string, fp: string, hello: ClientHello, rest: Buffer, banner: Buffer, ctx: ConnectionContext): Promise<void> {
  const { route, log, metrics, timeouts } = ctx;
  const result = (r: ConnectionResult): void => metrics.result(route.listen, r);
  let backend: Socket;
  try {
    backend = await dialBackend(route.backendAddr, route.backend, timeouts.dialMs);
  } catch (err) {
    log(`[${ip}] BACKEND ${route.backend}: ${(err as Error).message}`);
    result('backend_error');
    client.destroy();
    return;
  }
  backend.on('error', () => {});
  const abort = (line: string, r: ConnectionResult): void => {
    log(`[${ip}] ${line}`);
    result(r);
    backend.destroy();
    client.destroy();
  };
  if (client.destroyed) {
    abort('CLIENT closed before the backend answered', 'backend_error');
    return;
  }
  // Ident and KEXINIT go out together: sshd reads them in order whatever its banner says, and a
  // changed banner aborts the connection anyway, so waiting for it first only costs a round trip.
  backend.write(rest.length > 0 ? Buffer.concat([hello.identBytes, hello.packet, rest]) : Buffer.concat([hello.identBytes, hello.packet]));
  let id;
  try {
    id = await readBackendIdent(backend, timeouts.backendIdentMs);
  } catch (err) {
    const e = err as BackendError;
    abort(e.timeout ? 'BACKEND TIMEOUT awaiting SSH identification' : `BACKEND malformed SSH identification: ${e.message}`, 'backend_error');
    return;
  }
  // The client already hashed the cached banner into its exchange hash; a different live banner
  // (sshd upgraded) would fail the key exchange, so refresh the cache and let the client retry.
  if (!id.identBytes.equals(banner)) {
    ctx.banner.set(id.identBytes);
    abort('BACKEND identification changed; reconnect to retry', 'banner_changed');
    return;
  }
  log(`[${ip}] CONNECTED ${fp} backend=${route.backend} local=${joinHostPort(unmapIpv4Text(backend.localAddress ?? ''), backend.localPort ?? 0)}`);
  if (id.rest.length > 0) client.write(id.rest);
  result('proxied');
  const r = await relay(client, backend, timeouts.idleMs);
  metrics.bytes(route.listen, 'upstream', r.clientToBackend);
  metrics.bytes(route.listen, 'downstream', r.backendToClient);
}
