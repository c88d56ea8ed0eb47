/** `0.0.0.0:1080`, `[::]:2222`, `:22` -> host and port for net.Server.listen. */
export function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  if (i < 0) throw new Error(`listen address "${addr}": expected HOST:PORT`);
  let host = addr.slice(0, i);
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`listen address "${addr}": bad port`);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '') host = '::';
  return { host, port };
}
