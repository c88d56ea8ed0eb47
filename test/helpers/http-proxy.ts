/**
 * Shared pieces of the HTTP proxy door's end-to-end tests: a loopback origin (plain and TLS), a
 * throwaway certificate, and client processes run with no proxy variables inherited.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export interface Cert { dir: string; cert: string; key: string }

/** A self-signed certificate for localhost and 127.0.0.1 (openssl, as the SOCKS5-over-TLS test does). */
export async function makeCert(): Promise<Cert> {
  const dir = mkdtempSync(join(tmpdir(), 'sks5-http-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await exec('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
  return { dir, cert, key };
}

/** What the origin saw of the last request, so tests can check what the proxy forwarded. */
export interface Seen { method?: string | undefined; url?: string | undefined; headers?: IncomingMessage['headers']; rawHeaders?: string[] }

function handler(seen: Seen): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    seen.method = req.method; seen.url = req.url; seen.headers = req.headers; seen.rawHeaders = req.rawHeaders;
    if (req.url === '/big') { res.end(Buffer.alloc(2 * 1024 * 1024, 0x61)); return; }
    if (req.method === 'POST') {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => res.end(`posted ${Buffer.concat(parts).length}`));
      return;
    }
    res.setHeader('Connection', 'close, X-Hop');
    res.setHeader('X-Hop', 'must not reach the client');
    res.end(`hello from ${req.url}`);
  };
}

export async function startOrigin(t: TestContext, cert?: Cert): Promise<{ port: number; seen: Seen }> {
  const seen: Seen = {};
  const server = cert
    ? createHttpsServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, handler(seen))
    : createServer(handler(seen));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  return { port: (server.address() as { port: number }).port, seen };
}

/** The environment minus every proxy variable, so a client uses only the proxy a test gives it. */
export function envWithoutProxies(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/_proxy$/i.test(k) && !k.startsWith('SKS5_')) env[k] = v;
  return { ...env, ...extra };
}

export interface Ran { code: number; stdout: string; stderr: string }

export function exec(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: opts.env ?? envWithoutProxies(), cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function curl(args: string[]): Promise<Ran> {
  return exec('curl', ['-sS', '--max-time', '30', ...args]);
}
