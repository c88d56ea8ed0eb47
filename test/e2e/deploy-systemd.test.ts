/**
 * deploy/systemd/sks5.service: systemd's own checker accepts it, its exposure score is no worse than
 * the gate's unit, and its ExecStart/ExecReload lines do what the comments promise when run as written
 * (paths mapped onto a temporary root): the host key and the databases land in the state directory,
 * and SIGHUP reloads the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, LOOPBACK_LISTENERS, startSks5, testHash } from '../helpers/sks5-process.js';

const UNIT = join(ROOT, 'deploy', 'systemd', 'sks5.service');
const GATE_UNIT = join(ROOT, 'deploy', 'systemd', 'sshgate.service');

/** `Key=value` lines of one section; repeated keys keep every value in order. */
function unitSection(text: string, section: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) { current = header[1] as string; continue; }
    if (current !== section) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

function exposure(unitPath: string): number {
  const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unitPath], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.error, undefined, 'systemd-analyze must be on PATH (Debian package systemd)');
  const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(r.stdout);
  assert.ok(m, `no exposure level in:\n${r.stdout}\n${r.stderr}`);
  return Number(m[1]);
}

test('systemd-analyze verify accepts deploy/systemd/sks5.service', () => {
  const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.error, undefined, 'systemd-analyze must be on PATH (Debian package systemd)');
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal(r.stderr.trim(), '', 'no warnings');
});

test('its exposure score is no worse than the gate unit\'s, and it keeps the hardening', (t) => {
  const sks5 = exposure(UNIT);
  const gate = exposure(GATE_UNIT);
  t.diagnostic(`systemd-analyze security: sks5.service ${sks5}, sshgate.service ${gate}`);
  assert.ok(sks5 <= gate, `sks5.service ${sks5} > sshgate.service ${gate}`);
  const svc = unitSection(readFileSync(UNIT, 'utf8'), 'Service');
  for (const [k, v] of [['NoNewPrivileges', 'true'], ['ProtectSystem', 'strict'], ['ProtectHome', 'true'], ['CapabilityBoundingSet', ''], ['User', 'sks5'], ['StateDirectory', 'sks5']] as const) {
    assert.deepEqual(svc.get(k), [v], k);
  }
  assert.equal(svc.has('MemoryDenyWriteExecute'), false, 'V8 needs writable+executable pages');
  assert.deepEqual(svc.get('ExecReload'), ['/bin/kill -HUP $MAINPID']);
});

test('ExecStart as written: host key and databases in the state directory, ExecReload (SIGHUP) reloads', async (t) => {
  const svc = unitSection(readFileSync(UNIT, 'utf8'), 'Service');
  const [execStart] = svc.get('ExecStart') ?? [];
  assert.equal(execStart, '/usr/bin/node /opt/sks5/current/bin/sks5 --config /etc/sks5/config.toml --data-dir /var/lib/sks5');
  assert.deepEqual(svc.get('WorkingDirectory'), ['/var/lib/sks5']);
  // The same flags, with /opt/sks5/current -> this checkout and /var/lib/sks5 -> a fresh directory.
  const state = mkdtempSync(join(tmpdir(), 'sks5-state-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const toml = `${LOOPBACK_LISTENERS}\n[[users]]\nusername = "alice"\npassword_hash = "${await testHash('unit-pass')}"\n`;
  const srv = await startSks5(t, toml, { dir: state, args: ['--data-dir', state], expect: ['socks5', 'ssh'] });
  assert.ok(statSync(join(state, 'host_key')).isFile(), 'the relative host_key_path lands in WorkingDirectory');
  await srv.waitForLog((l) => l.msg === 'generated a new Ed25519 host key');
  assert.ok(existsSync(join(state, 'sks5.db')), 'data_dir is the state directory');
  srv.child.kill('SIGHUP');
  await srv.waitForLog((l) => l.msg === 'configuration reloaded', 30_000);
  assert.equal(await srv.stop(), 0);
});
