/**
 * Header handling of a forwarding proxy (RFC 9110 section 7.6.1): hop-by-hop fields, and every
 * field the Connection header names, stay on their hop; Proxy-Authorization (our credential) and
 * Proxy-Authenticate never travel on. Works on Node's raw header list ([name, value, ...]) so
 * order, case and repeated fields (Set-Cookie) go through unchanged.
 */

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

/** Fields named by every Connection (and the legacy Proxy-Connection) header. */
function connectionOptions(raw: readonly string[]): Set<string> {
  const named = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name !== 'connection' && name !== 'proxy-connection') continue;
    for (const token of raw[i + 1]!.split(',')) {
      const t = token.trim().toLowerCase();
      if (t !== '') named.add(t);
    }
  }
  return named;
}

/** The end-to-end fields of `raw`, plus `via` appended as the Via hop we add (RFC 9110 section 7.6.3). */
export function forwardHeaders(raw: readonly string[], via: string): string[] {
  const named = connectionOptions(raw);
  const out: string[] = [];
  let viaSeen = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower)) continue;
    if (lower === 'via' && !viaSeen) {
      viaSeen = true;
      out.push(name, `${raw[i + 1]!}, ${via}`);
      continue;
    }
    out.push(name, raw[i + 1]!);
  }
  if (!viaSeen) out.push('Via', via);
  return out;
}

/** True when the raw list has a field of this (lower-case) name. */
export function hasHeader(raw: readonly string[], lowerName: string): boolean {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === lowerName) return true;
  return false;
}
