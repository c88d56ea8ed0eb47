/**
 * deploy/kubernetes/: no cluster runs here, so the manifests are parsed and held against what the
 * binary really does. Ports, probe paths, mounts and variables are checked against each other, then
 * sks5 itself is started with the ConfigMap's config.toml and the Deployment's environment (paths
 * mapped onto a temporary root, listeners on loopback port 0): the probes answer 200 on the port the
 * probes name, the API takes the Secret's token, and curl gets through SOCKS5 as the Secret's user.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parse as parseToml } from 'smol-toml';
import { readEnvOverlay } from '../../src/config/env.js';
import { ROOT, startSks5, testHash, startHttpTarget } from '../helpers/sks5-process.js';
import { curlViaSocks } from '../helpers/installed.js';

const DIR = join(ROOT, 'deploy', 'kubernetes');

type Obj = Record<string, unknown>;
const obj = (v: unknown, what: string): Obj => {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `${what} is a mapping`);
  return v as Obj;
};
const arr = (v: unknown, what: string): Obj[] => {
  assert.ok(Array.isArray(v), `${what} is a list`);
  return (v as unknown[]).map((x, i) => obj(x, `${what}[${i}]`));
};

function loadManifests(): Obj[] {
  const docs: Obj[] = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      assert.deepEqual(doc.errors, [], `${file} parses`);
      docs.push(obj(doc.toJS(), file));
    }
  }
  return docs;
}

function byKind(docs: Obj[], kind: string, name?: string): Obj {
  const hit = docs.find((d) => d['kind'] === kind && (name === undefined || obj(d['metadata'], 'metadata')['name'] === name));
  assert.ok(hit, `a ${kind}${name ? ` named ${name}` : ''}`);
  return hit;
}

const portOf = (listen: string): number => Number(listen.slice(listen.lastIndexOf(':') + 1));

function manifests() {
  const docs = loadManifests();
  const deployment = byKind(docs, 'Deployment');
  const pod = obj(obj(obj(deployment['spec'], 'spec')['template'], 'template')['spec'], 'pod spec');
  const [container] = arr(pod['containers'], 'containers');
  assert.ok(container);
  const configMap = byKind(docs, 'ConfigMap');
  const secret = byKind(docs, 'Secret');
  const tomlText = String(obj(configMap['data'], 'ConfigMap data')['config.toml']);
  const config = parseToml(tomlText) as Record<string, Record<string, unknown>>;
  const env = Object.fromEntries(arr(container['env'], 'env').map((e) => [String(e['name']), String(e['value'])]));
  const mounts = arr(container['volumeMounts'], 'volumeMounts');
  const volumes = arr(pod['volumes'], 'volumes');
  const secretData = obj(secret['stringData'], 'Secret stringData') as Record<string, string>;
  return { docs, deployment, pod, container, configMap, secret, tomlText, config, env, mounts, volumes, secretData };
}

/** The volume that `path` lives on, by the longest mountPath that contains it. */
function volumeFor(m: ReturnType<typeof manifests>, path: string): { mount: Obj; volume: Obj } {
  const mount = m.mounts.filter((x) => path === x['mountPath'] || path.startsWith(`${String(x['mountPath'])}/`))
    .sort((a, b) => String(b['mountPath']).length - String(a['mountPath']).length)[0];
  assert.ok(mount, `${path} is on a mounted volume`);
  const volume = m.volumes.find((v) => v['name'] === mount['name']);
  assert.ok(volume, `volume ${String(mount['name'])} exists`);
  return { mount, volume };
}

test('ports, probes, mounts and variables agree with each other and with the config', () => {
  const m = manifests();
  const server = m.config['server'] ?? {};
  const listens: Record<string, string> = {
    ssh: String(server['ssh_listen']), socks5: String(server['socks5_listen']),
    metrics: String(m.config['metrics']?.['listen']), api: String(m.config['api']?.['listen']),
  };
  assert.equal(m.config['metrics']?.['enabled'], true, 'the probes need the metrics listener');
  const ports = new Map(arr(m.container['ports'], 'ports').map((p) => [String(p['name']), Number(p['containerPort'])]));
  for (const [name, listen] of Object.entries(listens)) {
    assert.ok(listen.startsWith('0.0.0.0:') || listen.startsWith('[::]:'), `${name} listens on all addresses in the pod (${listen})`);
    assert.equal(ports.get(name), portOf(listen), `containerPort ${name} is the configured ${name} port`);
  }
  assert.deepEqual([...ports.values()].sort((a, b) => a - b), [1080, 2222, 9090, 9091]);

  for (const probe of ['livenessProbe', 'readinessProbe']) {
    const get = obj(obj(m.container[probe], probe)['httpGet'], `${probe}.httpGet`);
    assert.equal(get['port'], 'metrics', `${probe} on the metrics listener`);
  }
  assert.equal(obj(obj(m.container['livenessProbe'], 'l')['httpGet'], 'g')['path'], '/livez');
  assert.equal(obj(obj(m.container['readinessProbe'], 'r')['httpGet'], 'g')['path'], '/readyz');

  // Services point at named container ports that exist; the public one carries SSH and SOCKS5.
  for (const svc of m.docs.filter((d) => d['kind'] === 'Service')) {
    for (const p of arr(obj(svc['spec'], 'spec')['ports'], 'service ports')) assert.ok(ports.has(String(p['targetPort'])), `targetPort ${String(p['targetPort'])}`);
  }
  const pub = obj(byKind(m.docs, 'Service', 'sks5')['spec'], 'spec');
  assert.deepEqual(arr(pub['ports'], 'ports').map((p) => p['port']).sort(), [1080, 2222]);
  assert.equal(pub['externalTrafficPolicy'], 'Local', 'client addresses reach bans and ACLs');

  // Hardening.
  const podSec = obj(m.pod['securityContext'], 'pod securityContext');
  assert.equal(podSec['runAsNonRoot'], true);
  assert.equal(podSec['runAsUser'], 1000);
  const sec = obj(m.container['securityContext'], 'container securityContext');
  assert.equal(sec['readOnlyRootFilesystem'], true);
  assert.equal(sec['allowPrivilegeEscalation'], false);
  assert.deepEqual(obj(sec['capabilities'], 'capabilities')['drop'], ['ALL']);

  // --config names the ConfigMap's key on the ConfigMap volume.
  const args = (m.container['args'] as string[]);
  const configPath = args[args.indexOf('--config') + 1] as string;
  const cfgVol = volumeFor(m, configPath);
  assert.equal(obj(cfgVol.volume['configMap'], 'configMap')['name'], obj(m.configMap['metadata'], 'metadata')['name']);
  assert.equal(basename(configPath), 'config.toml');
  // data_dir and the host key are on the writable data volume (the root file system is read-only).
  const dataDir = String(m.config['persistence']?.['data_dir']);
  for (const p of [dataDir, String(server['host_key_path'])]) {
    const { mount, volume } = volumeFor(m, p);
    assert.notEqual(mount['readOnly'], true, `${p} is writable`);
    assert.ok(volume['persistentVolumeClaim'], `${p} survives rescheduling`);
  }
  const pvc = byKind(m.docs, 'PersistentVolumeClaim');
  assert.equal(obj(volumeFor(m, dataDir).volume['persistentVolumeClaim'], 'pvc')['claimName'], obj(pvc['metadata'], 'metadata')['name']);

  // Every variable is one sks5 reads; every *_FILE names a key of the Secret on the Secret volume.
  const overlay = readEnvOverlay(m.env, (path) => {
    const { volume } = volumeFor(m, path);
    assert.equal(obj(volume['secret'], 'secret volume')['secretName'], obj(m.secret['metadata'], 'metadata')['name'], `${path} is on the Secret volume`);
    const key = posix.basename(path);
    assert.ok(key in m.secretData, `Secret key ${key}`);
    return m.secretData[key] as string;
  });
  assert.deepEqual(overlay.issues, []);
  assert.deepEqual(overlay.warnings, []);
  for (const name of Object.keys(m.env)) assert.match(name, /^SKS5_/);
  assert.equal(Object.values(m.env).some((v) => v.startsWith('$argon2')), false, 'no hash in a plain env value');
  assert.doesNotMatch(m.tomlText, /password_hash|token\s*=/, 'no secret in the ConfigMap');
});

test('sks5 runs with the ConfigMap and the Deployment environment: probes, API token, SOCKS5', async (t) => {
  const m = manifests();
  const root = mkdtempSync(join(tmpdir(), 'sks5-k8s-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const onRoot = (p: string): string => join(root, p);
  // The Secret as the kubelet would project it, with the placeholders replaced as the comment says.
  const token = 'k8s-token-0123456789abcdef0123456789';
  const values: Record<string, string> = { 'alice-password-hash': await testHash('k8s-pass'), 'api-token': token };
  for (const key of Object.keys(m.secretData)) assert.ok(key in values, `the test knows Secret key ${key}`);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(m.env)) {
    if (name.endsWith('_FILE')) {
      const file = onRoot(value);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${values[basename(value)] as string}\n`, { mode: 0o400 });
      env[name] = file;
    } else env[name] = value;
  }
  const dataDir = String(m.config['persistence']?.['data_dir']);
  mkdirSync(onRoot(dataDir), { recursive: true });
  const sets = ['server.ssh_listen=127.0.0.1:0', 'server.socks5_listen=127.0.0.1:0', 'metrics.listen=127.0.0.1:0', 'api.listen=127.0.0.1:0',
    `persistence.data_dir=${onRoot(dataDir)}`, `server.host_key_path=${onRoot(String(m.config['server']?.['host_key_path']))}`,
    // The test's HTTP target is on loopback, which the anti-SSRF guard refuses by design.
    'security.ip_guard_enabled=false'].flatMap((s) => ['--set', s]);
  const srv = await startSks5(t, m.tomlText, { dir: root, args: sets, env, expect: ['ssh', 'socks5', 'metrics', 'api'] });
  const metrics = `http://127.0.0.1:${srv.metrics!.port}`;
  for (const probe of ['livenessProbe', 'readinessProbe']) {
    const path = String(obj(obj(m.container[probe], probe)['httpGet'], 'httpGet')['path']);
    const res = await fetch(`${metrics}${path}`);
    assert.equal(res.status, 200, `${probe} ${path}: ${await res.text()}`);
  }
  const api = `http://127.0.0.1:${srv.api!.port}`;
  assert.equal((await fetch(`${api}/api/status`, { headers: { authorization: `Bearer ${token}` } })).status, 200, 'the Secret\'s token');
  assert.equal((await fetch(`${api}/api/status`, { headers: { authorization: 'Bearer not-the-token-0123456789' } })).status, 401);
  const target = await startHttpTarget(t, 'through the pod config');
  const curl = await curlViaSocks(srv.socks5!.port, String(m.env['SKS5_USER_0_USERNAME']), 'k8s-pass', `http://127.0.0.1:${target}/`);
  assert.equal(curl.code, 0, curl.stderr);
  assert.equal(curl.stdout, 'through the pod config');
  assert.equal(await srv.stop(), 0);
});
