import { test } from 'node:test';
import assert from 'node:assert/strict';
import { correlateLines, extractSshUser, findIpToken, isLoopback, isUsefulSshdLine, matchGateConnect, parseLogTime, readGateConnects, type GateConnect } from '../../../src/gate/correlate.js';

const FP = 'aaf62b02afeaa8df0687aa49b07825f8';
const opts = (gates: GateConnect[] = []) => ({ windowMs: 120_000, limit: 100, gates, joinWindowMs: 10_000 });

test('sessions sshd logs as loopback are joined to the gate CONNECTED line by host and local port', () => {
  const gateLog = [
    `2026-09-27T10:20:14.100000+02:00 mx sshgate[3348374]: 2026/09/27 10:20:14 [203.0.113.160] CONNECTED ${FP} backend=127.0.0.1:22 local=127.0.0.1:40732`,
    '2026-09-27T10:20:30.100000+02:00 mx sshgate[3348374]: 2026/09/27 10:20:30 [198.51.100.9] CONNECTED 1111111111111111111111111111111f backend=127.0.0.1:22 local=127.0.0.1:40800',
  ];
  const authLog = [
    '2026-09-27T10:20:14.300000+02:00 mx sshd-session[3349342]: Accepted publickey for michael from 127.0.0.1 port 40732 ssh2: RSA SHA256:dy7FV',
    '2026-09-27T10:20:30.300000+02:00 mx sshd-session[3349400]: Accepted publickey for other from 127.0.0.1 port 40800 ssh2: RSA SHA256:zzz',
    '2026-09-27T11:45:00.000000+02:00 mx sshd-session[3349999]: Accepted publickey for root from 127.0.0.1 port 40732 ssh2: RSA SHA256:yyy',
  ];
  const entry = { ips: ['203.0.113.160'], firstSeen: Date.parse('2026-09-27T08:00:00Z'), lastSeen: Date.parse('2026-09-27T08:20:14Z') };
  const gates = readGateConnects(gateLog, FP, entry.lastSeen);
  assert.equal(gates.length, 1);
  assert.deepEqual([gates[0]?.ip, gates[0]?.port, gates[0]?.host], ['203.0.113.160', 40732, 'mx']);
  const m = correlateLines(authLog, entry, opts(gates));
  assert.equal(m.length, 1);
  assert.deepEqual([m[0]?.ip, m[0]?.source, m[0]?.user], ['203.0.113.160', 'gate:40732', 'michael']);
});

test('the join requires the same host when both lines name one', () => {
  const gates: GateConnect[] = [{ when: { ms: Date.parse('2026-09-27T08:20:14Z'), offsetMinutes: 0 }, host: 'snuffles', ip: '203.0.113.160', port: 40732 }];
  const authLog = ['2026-09-27T10:20:14.300000+02:00 mx sshd[1]: Accepted publickey for michael from 127.0.0.1 port 40732 ssh2'];
  const entry = { ips: ['203.0.113.160'], firstSeen: Date.parse('2026-09-27T08:00:00Z'), lastSeen: Date.parse('2026-09-27T08:20:14Z') };
  assert.equal(correlateLines(authLog, entry, opts(gates)).length, 0);
});

test('our own stderr log lines (Go log prefix, no host) join too', () => {
  const t = new Date(2026, 8, 27, 10, 20, 14);
  const p = (n: number) => String(n).padStart(2, '0');
  const line = `2026/09/27 ${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())} [203.0.113.160] CONNECTED ${FP} backend=127.0.0.1:22 local=127.0.0.1:40732`;
  const gates = readGateConnects([line], FP, t.getTime());
  assert.equal(gates.length, 1);
  assert.equal(gates[0]?.when.ms, t.getTime());
  assert.equal(gates[0]?.host, '');
});

test('direct connections match by IP on token boundaries within the window (classic syslog, local time)', () => {
  const ref = new Date(2026, 8, 27, 10, 20, 0).getTime();
  const authLog = [
    'Sep 27 10:20:14 mx sshd[1234]: Failed password for invalid user admin from 203.0.113.160 port 5555 ssh2',
    'Sep 27 10:20:15 mx sshd[1234]: Failed password for root from 203.0.113.16 port 5555 ssh2',
    'Sep 27 10:20:16 mx sshd[1234]: Failed password for root from 203.0.113.1600 port 5555 ssh2',
    'Sep 27 10:21:00 mx sshd[1234]: Accepted publickey for michael from 198.51.100.1 port 5556 ssh2',
    'Sep 27 16:00:00 mx sshd[1234]: Accepted publickey for michael from 203.0.113.160 port 5557 ssh2',
  ];
  const m = correlateLines(authLog, { ips: ['203.0.113.16', '203.0.113.160'], firstSeen: ref, lastSeen: ref }, opts());
  assert.deepEqual(m.map((x) => [x.ip, x.source, x.user]), [['203.0.113.160', 'direct', 'admin'], ['203.0.113.16', 'direct', 'root']]);
});

test('the window bounds are inclusive and the limit stops the scan', () => {
  const ref = Date.parse('2026-09-27T10:00:00Z');
  const lines = ['2026-09-27T10:02:00Z h sshd[1]: Accepted key for a from 192.0.2.1 port 1', '2026-09-27T10:02:01Z h sshd[1]: Accepted key for b from 192.0.2.1 port 1'];
  assert.equal(correlateLines(lines, { ips: ['192.0.2.1'], firstSeen: null, lastSeen: ref }, opts()).length, 1);
  const many = Array.from({ length: 10 }, () => lines[0] as string);
  assert.equal(correlateLines(many, { ips: ['192.0.2.1'], firstSeen: ref, lastSeen: ref }, { ...opts(), limit: 3 }).length, 3);
  assert.equal(correlateLines(many, { ips: ['192.0.2.1'], firstSeen: ref, lastSeen: ref }, { ...opts(), limit: 0 }).length, 10);
});

test('nearest CONNECTED within the join window wins', () => {
  const at = Date.parse('2026-09-27T08:00:00Z');
  const g = (d: number, ip: string): GateConnect => ({ when: { ms: at + d, offsetMinutes: 0 }, host: 'mx', ip, port: 40000 });
  const gates = [g(-8000, '198.51.100.1'), g(-1000, '198.51.100.2'), g(-30_000, '198.51.100.3')];
  assert.equal(matchGateConnect(gates, 'mx', 40000, at, 10_000)?.ip, '198.51.100.2');
  assert.equal(matchGateConnect(gates.slice(2), 'mx', 40000, at, 10_000), null);
});

test('line helpers: useful lines, users, loopback, IPv6 boundaries, year rollover', () => {
  assert.ok(isUsefulSshdLine('2026-09-27T10:20:14+02:00 mx sshd-session[1]: Accepted publickey for michael from 127.0.0.1 port 1 ssh2'));
  assert.ok(!isUsefulSshdLine('mx sshd[1]: Connection closed by 1.2.3.4'));
  assert.equal(extractSshUser('Failed password for invalid user admin from x'), 'admin');
  assert.equal(extractSshUser('Invalid user bob from x'), 'bob');
  assert.equal(extractSshUser('Accepted publickey for alice, from x'), 'alice');
  assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('::ffff:127.0.0.1') && !isLoopback('10.0.0.1'));
  assert.equal(findIpToken('from 2001:db8::12 port 1', ['2001:db8::1']), null);
  assert.equal(findIpToken('from 2001:db8::1 port 1', ['2001:db8::1']), '2001:db8::1');
  assert.equal(findIpToken('from [192.0.2.1]:22', ['192.0.2.1']), '192.0.2.1');
  const jan = new Date(2027, 0, 2, 0, 0, 0).getTime();
  const dec = parseLogTime('Dec 31 23:59:00 h sshd[1]: x', jan);
  assert.equal(new Date(dec?.ms ?? 0).getFullYear(), 2026);
  assert.equal(parseLogTime('no time here', jan), null);
  assert.equal(parseLogTime('2026-09-27T10:20:14.3+02:00 mx', jan)?.offsetMinutes, 120);
});
