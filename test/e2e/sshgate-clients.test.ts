import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dropbearLogin, freePort, havePython3Paramiko, opensshLogin, paramikoLogin, sshgate, startGate, startSshd, waitUntil,
} from '../fixtures/gate/sshd-harness.js';

/** Independent computation: the client's own `ssh -vvv` dump of the KEXINIT it sent. */
function fingerprintFromDebug(stderr: string): { fp: string; hassh: string } {
  const start = stderr.indexOf('debug2: local client KEXINIT proposal');
  assert.ok(start >= 0, 'ssh -vvv printed its KEXINIT proposal');
  const lines = stderr.slice(start).split('\n').slice(1, 12);
  const field = (prefix: string): string => {
    const l = lines.find((x) => x.startsWith(`debug2: ${prefix}:`));
    assert.ok(l !== undefined, `debug line ${prefix}`);
    return l.slice(`debug2: ${prefix}:`.length).trim();
  };
  const kex = field('KEX algorithms');
  const parts = [kex, field('host key algorithms'), field('ciphers ctos'), field('ciphers stoc'), field('MACs ctos'),
    field('MACs stoc'), field('compression ctos'), field('compression stoc')];
  const follows = lines.find((x) => x.startsWith('debug2: first_kex_follows'))?.trim().endsWith(' 1') ? 'true' : 'false';
  const raw = [...parts, follows].join(';');
  return {
    fp: createHash('sha256').update(raw).digest('hex').slice(0, 32),
    hassh: createHash('md5').update([parts[0], parts[2], parts[4], parts[6]].join(';')).digest('hex'),
  };
}

/** The gate writes the lines of one event-loop turn together: a line may trail the client's exit slightly. */
async function logLine(log: string[], match: (l: string) => boolean, what: string): Promise<string> {
  let line: string | undefined;
  try {
    await waitUntil(() => (line = [...log].reverse().find(match)) !== undefined, 5000, what);
  } catch {
    assert.fail(`${what}: ${log.join('\n')}`);
  }
  return line as string;
}

async function blockedFingerprint(log: string[], client: RegExp): Promise<string> {
  const line = await logLine(log, (l) => / BLOCKED [0-9a-f]{32} /.test(l) && client.test(l), `a BLOCKED line for ${client}`);
  return (/ BLOCKED ([0-9a-f]{32}) /.exec(line) as RegExpExecArray)[1] as string;
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

test('real clients through the gate: block, approve by prefix, login, block, pending, correlate', { timeout: 170_000 }, async (t) => {
  const sshd = await startSshd();
  t.after(() => sshd.stop());
  const work = mkdtempSync(join(tmpdir(), 'sshgate-e2e-db-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const db = join(work, 'sshgate.db');
  const metricsPort = await freePort();
  const gate = await startGate([`127.0.0.1:${sshd.port}`, '--db', db, '-config', join(work, 'missing.json'), '--metrics-listen', `127.0.0.1:${metricsPort}`]);
  t.after(async () => { await gate.stop(); });
  assert.ok(gate.log.some((l) => l.endsWith('allow unknown: false')));
  assert.ok(gate.log.some((l) => l.endsWith('max fingerprints: 100000')));

  // 1. Unknown OpenSSH client: refused, recorded.
  const refused = await opensshLogin(gate.port, sshd.userKey, 'echo ok');
  assert.notEqual(refused.code, 0);
  assert.equal(refused.stdout, '');
  const fp = await blockedFingerprint(gate.log, /client="SSH-2\.0-OpenSSH_/);
  const list = await sshgate(['list', '-v', '--db', db]);
  assert.equal(list.code, 0);
  assert.match(list.stdout, new RegExp(`^${fp}  blocked  -  .*  127\\.0\\.0\\.1  +SSH-2\\.0-OpenSSH_\\S+`, 'm'));
  const sshdLoginsBefore = sshd.authLog.filter((l) => l.includes('Accepted publickey')).length;
  assert.equal(sshdLoginsBefore, 0);

  // 2. Approve by prefix (silent, exit 0): the same client logs in and runs a command.
  const approve = await sshgate(['approve', '-db', db, '--label', 'e2e laptop', fp.slice(0, 10)]);
  assert.deepEqual([approve.code, approve.stdout, approve.stderr], [0, '', '']);
  const ok = await opensshLogin(gate.port, sshd.userKey, 'echo ok');
  assert.equal(ok.code, 0, ok.stderr.slice(-2000));
  assert.equal(ok.stdout, 'ok\n');
  const independent = fingerprintFromDebug(ok.stderr);
  assert.equal(independent.fp, fp, 'the gate fingerprint equals the one computed from the client debug output');
  const json = JSON.parse((await sshgate(['list', '--json', '--db', db])).stdout) as { fingerprint: string; hassh: string; count: number; label: string }[];
  const row = json.find((r) => r.fingerprint === fp);
  assert.equal(row?.hassh, independent.hassh);
  assert.equal(row?.count, 2);
  assert.equal(row?.label, 'e2e laptop');
  await logLine(gate.log, (l) => l.includes(`APPROVED ${fp} label="e2e laptop"`), 'the APPROVED line');
  const connected = await logLine(gate.log, (l) => l.includes(` CONNECTED ${fp} backend=127.0.0.1:${sshd.port} local=127.0.0.1:`), 'the CONNECTED line');
  assert.ok(connected);

  // 3. Correlate: sshd behind the gate logs 127.0.0.1; the CONNECTED line attributes it.
  await waitUntil(() => sshd.authLog.some((l) => l.includes('Accepted publickey for root')), 5000, 'sshd accept line');
  const authLog = join(work, 'auth.log');
  const gateLog = join(work, 'gate.log');
  writeFileSync(authLog, sshd.authLog.join('\n') + '\n');
  writeFileSync(gateLog, gate.log.join('\n') + '\n');
  const corr = await sshgate(['correlate', '--db', db, '--log', authLog, '--gate-log', gateLog, '--window', '5m', fp.slice(0, 8)]);
  assert.equal(corr.code, 0, corr.stderr);
  const localPort = (/local=127\.0\.0\.1:(\d+)/.exec(connected) as RegExpExecArray)[1];
  assert.match(corr.stdout, /^fingerprint: [0-9a-f]{32}\nlabel: e2e laptop\nwindow: \+\/- 5m0s around first_seen=/);
  assert.match(corr.stdout, new RegExp(`127\\.0\\.0\\.1\\s+gate:${localPort}\\s+root\\s+.*Accepted publickey for root from 127\\.0\\.0\\.1 port ${localPort}`));

  // 4. Block, then pending: refused again with the matching log lines.
  assert.equal((await sshgate(['block', '--db', db, fp])).code, 0);
  assert.notEqual((await opensshLogin(gate.port, sshd.userKey, 'echo ok')).code, 0);
  await logLine(gate.log, (l) => l.includes(`BLOCKED ${fp} label="e2e laptop"`), 'the BLOCKED line with the label');
  assert.equal((await sshgate(['pending', '--db', db, fp])).code, 0);
  assert.notEqual((await opensshLogin(gate.port, sshd.userKey, 'echo ok')).code, 0);
  await logLine(gate.log, (l) => l.includes(`PENDING ${fp} client="SSH-2.0-OpenSSH_`), 'the PENDING line');

  // 5. A second client stack: dropbear (sends a guessed KEX packet right after KEXINIT).
  const dbRefused = await dropbearLogin(gate.port, sshd.dropbearKey, 'echo ok');
  assert.notEqual(dbRefused.code, 0);
  const dfp = await blockedFingerprint(gate.log, /client="SSH-2\.0-dropbear/);
  assert.equal((await sshgate(['approve', '--db', db, dfp])).code, 0);
  const dbOk = await dropbearLogin(gate.port, sshd.dropbearKey, 'echo ok');
  assert.equal(dbOk.stdout, 'ok\n', dbOk.stderr);

  // 6. paramiko when the system python has it.
  if (havePython3Paramiko()) {
    assert.notEqual((await paramikoLogin(gate.port, sshd.userKey, 'echo ok')).code, 0);
    const pfp = await blockedFingerprint(gate.log, /client="SSH-2\.0-paramiko/);
    assert.equal((await sshgate(['approve', '--db', db, pfp])).code, 0);
    const pOk = await paramikoLogin(gate.port, sshd.userKey, 'echo ok');
    assert.equal(pOk.stdout, 'ok\n', pOk.stderr);
  }

  // 7. Metrics and CLI error texts.
  const metrics = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.match(metrics, /sshgate_connection_results_total\{route="127\.0\.0\.1:\d+",result="blocked"\} [1-9]/);
  assert.match(metrics, /sshgate_connection_results_total\{route="127\.0\.0\.1:\d+",result="proxied"\} [2-9]/);
  assert.match(metrics, /sshgate_store_fingerprints [2-9]/);
  const missing = await sshgate(['approve', '--db', db, 'ffff']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} fingerprint not found: ffff\n$/);
  assert.equal((await sshgate(['delete', '--db', db, dfp])).code, 0);
  assert.equal((await sshgate(['bogus'])).code, 2);

  // 8. SIGTERM drains and exits 0.
  assert.equal(await gate.stop(), 0);
  assert.ok(gate.log.some((l) => l.endsWith('all connections drained')));
});

test('--allow-unknown lets a new client in as pending', { timeout: 90_000 }, async (t) => {
  const sshd = await startSshd();
  t.after(() => sshd.stop());
  const work = mkdtempSync(join(tmpdir(), 'sshgate-e2e-allow-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const db = join(work, 'sshgate.db');
  writeFileSync(join(work, 'config.json'), '{"max_fingerprints": -1}');
  const gate = await startGate([`127.0.0.1:${sshd.port}`, '--db', db, '--config', join(work, 'config.json'), '--allow-unknown']);
  t.after(async () => { await gate.stop(); });
  assert.ok(!gate.log.some((l) => l.includes('max fingerprints:')), 'no cap line when unlimited');
  const r = await opensshLogin(gate.port, sshd.userKey, 'echo ok');
  assert.equal(r.stdout, 'ok\n', r.stderr.slice(-1500));
  await logLine(gate.log, (l) => / PENDING allowed [0-9a-f]{32} client="SSH-2\.0-OpenSSH_/.test(l), 'the PENDING allowed line');
  assert.match((await sshgate(['list', '--db', db])).stdout, / pending /);
});
