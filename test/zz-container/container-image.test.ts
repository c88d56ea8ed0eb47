/**
 * The container image, built and run for real. No registry is reachable here, so the test assembles
 * the base the Containerfile's BASE_IMAGE stands for: a Debian bookworm root file system from Debian's
 * own packages (mmdebstrap) plus this machine's Node 20. It builds the Containerfile on it with buildah
 * (the registry CA goes in as a build secret, never into a layer), then starts the image's entrypoint
 * as the image says (user, environment, /data volume) with compose.yaml's environment, and drives it
 * with curl through SOCKS5 and an OpenSSH login. `podman run` cannot work in this sandbox (crun needs
 * CAP_SYS_RESOURCE for rlimits), so `buildah run --isolation chroot` starts the process; it shares the
 * host's network namespace, which is why the listeners are moved to loopback ports.
 * This is the slowest test of the suite and runs last (scripts/run-tests.mjs, kind zz-container): about
 * 4-5 minutes here, most of it npm ci compiling better-sqlite3 in the build stage; the timeout leaves room
 * for a loaded machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT, testHash } from '../helpers/sks5-process.js';
import { curlViaSocks, runCommand, startCommand, startHttpBody, type Run } from '../helpers/installed.js';
import { composeService, containerfileFacts } from '../helpers/image-files.js';

const SSH_OPTS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
  '-o', 'PreferredAuthentications=password,keyboard-interactive', '-o', 'PubkeyAuthentication=no', '-o', 'ConnectTimeout=30'];

function must(r: Run, what: string): string {
  assert.equal(r.code, 0, `${what} failed (${r.code}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r.stdout.trim();
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** PIDs below `root` in the process tree (read from /proc). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* exited meanwhile */ }
  }
  const out: number[] = [];
  const walk = (p: number): void => { for (const [c, pp] of parent) if (pp === p) { out.push(c); walk(c); } };
  walk(root);
  return out;
}

const du = async (path: string): Promise<number> => Number((await runCommand('du', ['-sb', path])).stdout.split('\t')[0]);
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

test('Containerfile: multi-stage build on a local Node 20 base, rootless entrypoint, SOCKS5 + OpenSSH + health-check', { timeout: 900_000 }, async (t) => {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'sks5-image-'));
  const tag = `sks5-test-${process.pid}-${Date.now().toString(36)}`;
  const base = `localhost/${tag}-base`;
  const image = `localhost/${tag}`;
  const containers: string[] = [];
  t.after(async () => {
    for (const c of containers) await runCommand('buildah', ['rm', c], { timeoutMs: 120_000 });
    await runCommand('buildah', ['rmi', '-f', image, base], { timeoutMs: 120_000 });
    rmSync(work, { recursive: true, force: true });
  });

  // 1. The stand-in for docker.io/library/node:20-bookworm-slim: Debian's minbase plus this Node.
  const rootTar = join(work, 'root.tar');
  must(await runCommand('mmdebstrap', ['--variant=minbase', '--quiet',
    '--dpkgopt=path-exclude=/usr/share/doc/*', '--dpkgopt=path-exclude=/usr/share/man/*', '--dpkgopt=path-exclude=/usr/share/locale/*',
    'bookworm', rootTar], { timeoutMs: 420_000 }), 'mmdebstrap');
  const b = must(await runCommand('buildah', ['from', 'scratch'], { timeoutMs: 60_000 }), 'buildah from scratch');
  containers.push(b);
  must(await runCommand('buildah', ['add', '--quiet', b, rootTar, '/'], { timeoutMs: 180_000 }), 'buildah add root.tar');
  // Node as its Debian package installs it: the binary, npm beside it, and the headers node-gyp builds against.
  for (const [src, dst] of [['/usr/bin/node', '/usr/bin/node'], ['/usr/lib/node_modules/npm', '/usr/lib/node_modules/npm'], ['/usr/include/node', '/usr/include/node']] as const) {
    must(await runCommand('buildah', ['copy', '--quiet', b, src, dst], { timeoutMs: 180_000 }), `buildah copy ${src}`);
  }
  must(await runCommand('buildah', ['run', '--isolation', 'chroot', b, '--', 'sh', '-c',
    'ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/bin/npx && node --version'], { timeoutMs: 120_000 }), 'node in the base');
  must(await runCommand('buildah', ['commit', '--quiet', '--rm', b, base], { timeoutMs: 300_000 }), 'buildah commit base');
  containers.splice(containers.indexOf(b), 1);
  t.diagnostic(`base image ready after ${Math.round((Date.now() - started) / 1000)} s`);

  // 2. The Containerfile, as an operator builds it, with the registry CA as a secret.
  const ca = process.env['NODE_EXTRA_CA_CERTS'];
  const build = await runCommand('buildah', ['build', '--isolation', 'chroot', '--format', 'docker', '--layers=false',
    ...(ca && existsSync(ca) ? ['--secret', `id=ca,src=${ca}`] : []),
    '--build-arg', `BASE_IMAGE=${base}`, '-t', image, '-f', join(ROOT, 'Containerfile'), ROOT], { timeoutMs: 660_000 });
  must(build, 'buildah build');
  t.diagnostic(`image built after ${Math.round((Date.now() - started) / 1000)} s`);

  const facts = containerfileFacts(readFileSync(join(ROOT, 'Containerfile'), 'utf8'));
  const inspect = JSON.parse(must(await runCommand('buildah', ['inspect', '--type', 'image', image]), 'inspect')) as {
    Docker: { config: { User: string; Entrypoint: string[]; Cmd?: string[] | null; Env: string[]; ExposedPorts: Record<string, unknown>; Volumes: Record<string, unknown>; Healthcheck?: { Test: string[] }; WorkingDir: string } };
  };
  const cfg = inspect.Docker.config;
  assert.equal(cfg.User, '1000:1000');
  assert.deepEqual(Object.keys(cfg.ExposedPorts).sort(), facts.expose.map((p) => `${p}/tcp`).sort());
  assert.deepEqual(Object.keys(cfg.Volumes), ['/data']);
  assert.deepEqual(cfg.Healthcheck?.Test, ['CMD', ...facts.healthcheck]);
  assert.deepEqual(cfg.Entrypoint, ['sks5']);

  // 3. What is in it: no compiler, no npm cache, no CA copied, no sources or tests.
  const c = must(await runCommand('buildah', ['from', '--quiet', '--pull=never', image], { timeoutMs: 120_000 }), 'buildah from image');
  containers.push(c);
  const mnt = must(await runCommand('buildah', ['mount', c]), 'buildah mount');
  t.after(() => runCommand('buildah', ['umount', c]));
  for (const p of ['usr/bin/gcc', 'usr/bin/g++', 'usr/bin/cc', 'usr/bin/c++', 'usr/bin/make', 'usr/bin/python3', 'root/.npm', 'tmp/npm-cache', 'app/src', 'app/test', 'app/dist/test', 'run/secrets/ca']) {
    assert.equal(existsSync(join(mnt, p)), false, `${p} is not in the runtime image`);
  }
  assert.ok(existsSync(join(mnt, 'app/node_modules/better-sqlite3/build/Release/better_sqlite3.node')), 'the compiled addon is');
  assert.equal(existsSync(join(mnt, 'app/node_modules/typescript')), false, 'no devDependencies');
  const caText = ca && existsSync(ca) ? readFileSync(ca, 'utf8') : '';
  const size = Number(must(await runCommand('podman', ['image', 'inspect', '--format', '{{.Size}}', image]), 'podman image inspect'));
  const parts = { node: await du(join(mnt, 'usr/bin/node')), npm: await du(join(mnt, 'usr/lib/node_modules/npm')), nodeHeaders: await du(join(mnt, 'usr/include/node')),
    app: await du(join(mnt, 'app')), nodeModules: await du(join(mnt, 'app/node_modules')), dist: await du(join(mnt, 'app/dist')) };
  t.diagnostic(`image ${mb(size)}: node binary ${mb(parts.node)}, npm ${mb(parts.npm)}, node headers ${mb(parts.nodeHeaders)}, /app ${mb(parts.app)} (node_modules ${mb(parts.nodeModules)}, dist ${mb(parts.dist)}), Debian base the rest`);

  // 4. Run the entrypoint with compose.yaml's environment, listeners moved to free loopback ports.
  const { service } = composeService(parseYaml(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')), 'sks5');
  const ports = { ssh: await freePort(), socks5: await freePort(), metrics: await freePort(), api: await freePort() };
  const env: Record<string, string> = { ...service.environment,
    SKS5_SSH_LISTEN: `127.0.0.1:${ports.ssh}`, SKS5_SOCKS5_LISTEN: `127.0.0.1:${ports.socks5}`,
    SKS5_METRICS_LISTEN: `127.0.0.1:${ports.metrics}`, SKS5_API_LISTEN: `127.0.0.1:${ports.api}`,
    // The test's HTTP target is on loopback, which the anti-SSRF guard refuses by design.
    SKS5_IP_GUARD_ENABLED: 'false' };
  const secrets = join(work, 'secrets');
  mkdirSync(secrets);
  const token = 'container-token-0123456789abcdef';
  writeFileSync(join(secrets, 'alice_hash'), `${await testHash('box-pass')}\n`, { mode: 0o444 });
  writeFileSync(join(secrets, 'api_token'), `${token}\n`, { mode: 0o444 });
  const data = join(work, 'data');
  mkdirSync(data, { mode: 0o700 });
  chownSync(data, 1000, 1000);
  const runArgs = (cmd: readonly string[]): string[] => ['run', '--isolation', 'chroot', '--user', cfg.User,
    ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    '-v', `${data}:/data`, '-v', `${secrets}:/run/secrets:ro`, c, '--', ...cmd];
  const server = startCommand(t, 'buildah', runArgs([...cfg.Entrypoint, ...(cfg.Cmd ?? [])]));
  t.after(async () => {
    for (const pid of descendants(server.child.pid ?? -1)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    await server.stop();
  });
  await server.waitFor(/SOCKS5 listening on 127\.0\.0\.1:(\d+)/, 120_000);
  await server.waitFor(/SSH listening on 127\.0\.0\.1:(\d+)/, 60_000);

  // The server process runs as UID 1000 and the host key was generated in the /data volume.
  const sks5Pid = descendants(server.child.pid ?? -1).find((pid) => {
    // buildah-chroot-exec carries the same arguments; the server is the node process itself.
    try { return /^(\S*\/)?node\0\/app\/bin\/sks5\0/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')); } catch { return false; }
  });
  assert.ok(sks5Pid, 'the sks5 process is found below buildah run');
  assert.match(readFileSync(`/proc/${sks5Pid}/status`, 'utf8'), /^Uid:\t1000\t1000\t1000\t1000$/m);
  assert.equal(statSync(join(data, 'host_key')).uid, 1000, 'host key generated in /data, owned by UID 1000');
  assert.ok(existsSync(join(data, 'sks5.db')), 'data_dir is /data');
  assert.equal(readFileSync(`/proc/${sks5Pid}/environ`, 'utf8').includes(caText.slice(0, 40) || '\0never\0'), false);

  const target = await startHttpBody(t, 'served through the container');
  const curl = await curlViaSocks(ports.socks5, 'alice', 'box-pass', `http://127.0.0.1:${target}/`);
  assert.equal(curl.code, 0, `${curl.stderr}\n${server.output()}`);
  assert.equal(curl.stdout, 'served through the container');
  assert.notEqual((await curlViaSocks(ports.socks5, 'alice', 'wrong', `http://127.0.0.1:${target}/`)).code, 0, 'a wrong password is refused');

  const login = await runCommand('sshpass', ['-p', 'box-pass', 'ssh', ...SSH_OPTS, '-p', String(ports.ssh), 'alice@127.0.0.1', 'show status'], { timeoutMs: 90_000 });
  assert.equal(login.code, 0, `${login.stderr}\n${server.output()}`);
  assert.match(login.stdout, /^User: +alice$/m);

  const api = await fetch(`http://127.0.0.1:${ports.api}/api/status`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(api.status, 200, 'the API token came from the secret file');
  assert.equal((await fetch(`http://127.0.0.1:${ports.metrics}/readyz`)).status, 200);

  // The image's HEALTHCHECK, as the engine runs it: same container, same environment.
  const health = await runCommand('buildah', runArgs(facts.healthcheck), { timeoutMs: 120_000 });
  assert.equal(health.code, 0, `${health.stdout}\n${health.stderr}`);
  assert.match(health.stdout, new RegExp(`^OK: 127\\.0\\.0\\.1:${ports.ssh} `));

  // SIGTERM to sks5 itself (a SIGTERM to buildah would make it SIGKILL its child): drain, exit 0.
  const exited = new Promise<number | null>((r) => server.child.once('close', (code) => r(code)));
  process.kill(sks5Pid, 'SIGTERM');
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000).unref())]);
  assert.equal(code, 0, server.output());
  assert.match(server.output(), /shutdown complete/);
  t.diagnostic(`container test took ${Math.round((Date.now() - started) / 1000)} s`);
});
