import { splitHostPort } from '../host-port.js';

/** `0.0.0.0:1080`, `[::]:2222`, `:22` -> host and port for net.Server.listen. */
export function parseListenAddress(addr: string): { host: string; port: number } {
  const r = splitHostPort(addr);
  if (!r.ok) throw new Error(`listen address "${addr}": ${r.problem === 'bad-port' ? 'bad port' : 'expected HOST:PORT'}`);
  return { host: r.host === '' ? '::' : r.host, port: r.port };
}
