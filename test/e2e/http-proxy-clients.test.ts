/**
 * The HTTP proxy door with the clients people point at it: Python's urllib (ProxyHandler),
 * wget with https_proxy, git over http (ls-remote and clone of a local repository served as
 * dumb HTTP by a Node static server), pip download from a local PEP 503 index. Each goes
 * through the built CLI.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize, sep } from 'node:path';
import { startSks5, testHash } from '../helpers/sks5-process.js';
import { envWithoutProxies, exec, makeCert, startOrigin } from '../helpers/http-proxy.js';

async function config(): Promise<string> {
  return `
[server]
ssh_listen = "127.0.0.1:0"
http_proxy_listen = "127.0.0.1:0"

[security]
ip_guard_enabled = false
ban_enabled = false

[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
[users.acl]
deny = ["127.0.0.2:*"]
`;
}

const PY = `
import ssl, sys, urllib.request, urllib.error
proxy, cafile = sys.argv[1], sys.argv[2]
ctx = ssl.create_default_context(cafile=cafile)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({'http': proxy, 'https': proxy}), urllib.request.HTTPSHandler(context=ctx))
for url in sys.argv[3:]:
    try:
        with opener.open(url, timeout=20) as r:
            print(r.status, r.read().decode())
    except urllib.error.HTTPError as e:
        print(e.code, e.read().decode().strip())
    except urllib.error.URLError as e:
        print('error', e.reason)
`;

test('Python urllib with ProxyHandler: http:// forwarded, https:// through CONNECT, a denied target and a wrong password', async (t) => {
  const cert = await makeCert();
  const plain = await startOrigin(t);
  const tls = await startOrigin(t, cert);
  const srv = await startSks5(t, await config(), { expect: ['http', 'ssh'] });
  const proxy = `http://alice:secret@127.0.0.1:${srv.http!.port}`;
  const r = await exec('python3', ['-c', PY, proxy, cert.cert, `http://127.0.0.1:${plain.port}/py`, `https://127.0.0.1:${tls.port}/py-tls`, `http://127.0.0.2:${plain.port}/no`]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], '200 hello from /py');
  assert.equal(lines[1], '200 hello from /py-tls');
  assert.match(lines[2] ?? '', /^403 not allowed by ruleset \(SKS5_DENY_ACL\)$/);
  const bad = await exec('python3', ['-c', PY, `http://alice:nope@127.0.0.1:${srv.http!.port}`, cert.cert, `http://127.0.0.1:${plain.port}/py`]);
  assert.match(bad.stdout, /^407 /);
  const tunnelLine = await srv.waitForLog((l) => l.msg === 'tunnel closed' && l.target === `127.0.0.1:${tls.port}`);
  assert.equal(tunnelLine.door, 'http');
});

test('wget with https_proxy: CONNECT with Basic credentials from the proxy URL', async (t) => {
  const cert = await makeCert();
  const tls = await startOrigin(t, cert);
  const srv = await startSks5(t, await config(), { expect: ['http', 'ssh'] });
  const env = envWithoutProxies({ https_proxy: `http://alice:secret@127.0.0.1:${srv.http!.port}`, HOME: mkdtempSync(join(tmpdir(), 'wget-home-')) });
  const ok = await exec('wget', ['-q', '-O', '-', '--tries=1', '--timeout=20', `--ca-certificate=${cert.cert}`, `https://127.0.0.1:${tls.port}/wget`], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'hello from /wget');
  const badEnv = { ...env, https_proxy: `http://alice:wrong@127.0.0.1:${srv.http!.port}` };
  const bad = await exec('wget', ['-O', '-', '--tries=1', '--timeout=20', `--ca-certificate=${cert.cert}`, `https://127.0.0.1:${tls.port}/wget`], { env: badEnv });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /Proxy Authentication Required/);
});

/** Serves `root` read-only as static files (git's dumb HTTP protocol needs nothing more). */
async function staticServer(t: TestContext, root: string): Promise<number> {
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent((req.url ?? '/').split('?')[0]!)));
    try {
      if (!path.startsWith(root + sep) || !statSync(path).isFile()) throw new Error('not a file');
      res.end(readFileSync(path));
    } catch {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  return (server.address() as { port: number }).port;
}

test('git ls-remote and git clone over http through the proxy (dumb HTTP from a local repository)', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'sks5-git-'));
  const env = envWithoutProxies({ HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' });
  const git = (args: string[], cwd = work): ReturnType<typeof exec> => exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'init.defaultBranch=main', ...args], { env, cwd });
  assert.equal((await git(['init', '-q', 'src'])).code, 0);
  assert.equal((await git(['commit', '-q', '--allow-empty', '-m', 'through the proxy'], join(work, 'src'))).code, 0);
  assert.equal((await git(['clone', '-q', '--bare', 'src', 'served/repo.git'])).code, 0);
  assert.equal((await git(['update-server-info'], join(work, 'served', 'repo.git'))).code, 0);
  const port = await staticServer(t, join(work, 'served'));

  const srv = await startSks5(t, await config(), { expect: ['http', 'ssh'] });
  const proxy = `http://alice:secret@127.0.0.1:${srv.http!.port}`;
  const url = `http://127.0.0.1:${port}/repo.git`;
  const ls = await git(['-c', `http.proxy=${proxy}`, 'ls-remote', url]);
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /^[0-9a-f]{40}\tHEAD$/m);
  assert.match(ls.stdout, /\trefs\/heads\/main$/m);
  const clone = await git(['-c', `http.proxy=${proxy}`, 'clone', '-q', url, 'cloned']);
  assert.equal(clone.code, 0, clone.stderr);
  const log = await git(['log', '--format=%s'], join(work, 'cloned'));
  assert.equal(log.stdout.trim(), 'through the proxy');
  // each object fetch was its own request, each checked: several tunnels on the http door
  const tunnels = srv.logs.filter((l) => l.msg === 'tunnel closed' && l.door === 'http' && l.target === `127.0.0.1:${port}`);
  assert.ok(tunnels.length >= 3, `tunnels: ${tunnels.length}`);

  const denied = await git(['-c', `http.proxy=http://alice:wrong@127.0.0.1:${srv.http!.port}`, 'ls-remote', url]);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /407|Proxy Authentication/i);
});

/** A minimal wheel (PEP 427: the package, METADATA, WHEEL, RECORD), written by Python's zipfile. */
const MAKE_WHEEL = `
import sys, zipfile
path = sys.argv[1]
with zipfile.ZipFile(path, 'w') as z:
    z.writestr('sks5_probe/__init__.py', 'VALUE = 42\\n')
    z.writestr('sks5_probe-0.1.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: sks5-probe\\nVersion: 0.1\\n')
    z.writestr('sks5_probe-0.1.dist-info/WHEEL', 'Wheel-Version: 1.0\\nGenerator: sks5-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')
    z.writestr('sks5_probe-0.1.dist-info/RECORD', '')
`;

test('pip download from a local package index through the proxy (--proxy, plain http index)', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'sks5-pip-'));
  const { mkdirSync, writeFileSync, readdirSync } = await import('node:fs');
  const wheel = 'sks5_probe-0.1-py3-none-any.whl';
  mkdirSync(join(work, 'index', 'simple', 'sks5-probe'), { recursive: true });
  assert.equal((await exec('python3', ['-c', MAKE_WHEEL, join(work, 'index', 'simple', 'sks5-probe', wheel)])).code, 0);
  writeFileSync(join(work, 'index', 'simple', 'sks5-probe', 'index.html'), `<!DOCTYPE html><html><body><a href="${wheel}">${wheel}</a></body></html>\n`);
  // PEP 503 asks for /simple/<name>/: the static server answers the directory with its index.html.
  const root = join(work, 'index');
  const server = createServer((req, res) => {
    let path = normalize(join(root, decodeURIComponent((req.url ?? '/').split('?')[0]!)));
    if (path.endsWith(sep)) path = join(path, 'index.html');
    try {
      if (!path.startsWith(root + sep) || !statSync(path).isFile()) throw new Error('not a file');
      if (path.endsWith('.html')) res.setHeader('Content-Type', 'text/html');
      res.end(readFileSync(path));
    } catch {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.closeAllConnections(); server.close(); });
  const port = (server.address() as { port: number }).port;

  const srv = await startSks5(t, await config(), { expect: ['http', 'ssh'] });
  const env = envWithoutProxies({ HOME: work, PIP_CONFIG_FILE: '/dev/null', PIP_DISABLE_PIP_VERSION_CHECK: '1' });
  const pip = (proxy: string, dest: string): ReturnType<typeof exec> => exec('python3', ['-m', 'pip', 'download', '--no-deps', '--no-cache-dir', '--isolated',
    '--index-url', `http://127.0.0.1:${port}/simple/`, '--trusted-host', '127.0.0.1', '--proxy', proxy, '--retries', '0', '--timeout', '20',
    '-d', dest, 'sks5-probe==0.1'], { env, timeoutMs: 120_000 });
  const ok = await pip(`http://alice:secret@127.0.0.1:${srv.http!.port}`, join(work, 'out'));
  assert.equal(ok.code, 0, `${ok.stdout}\n${ok.stderr}`);
  assert.deepEqual(readdirSync(join(work, 'out')), [wheel]);
  const fetched = srv.logs.filter((l) => l.msg === 'tunnel closed' && l.door === 'http' && l.target === `127.0.0.1:${port}`);
  assert.ok(fetched.length >= 2, 'the index page and the wheel came through the door');
  const bad = await pip(`http://alice:wrong@127.0.0.1:${srv.http!.port}`, join(work, 'out-bad'));
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout + bad.stderr, /No matching distribution/, 'pip saw no index page (our 407)');
  await srv.waitForLog((l) => l.door === 'http' && l.user === 'alice' && String(l.msg) === 'authentication failed: wrong password');
});
