/**
 * GeoIP and account expiry through the built server. The source address comes from a PROXY
 * protocol v1 header sent from a trusted loopback peer, so a fixed public IP can be tested here.
 * The country database is the real GeoLite2 country file from a dev dependency (no download).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LOOPBACK_LISTENERS, startSks5, testHash } from '../helpers/sks5-process.js';
import { openSocket, readBytes, socksConnect } from '../helpers/socks-client.js';

const DB = join(dirname(createRequire(import.meta.url).resolve('@ip-location-db/geolite2-country-mmdb/package.json')), 'geolite2-country.mmdb');

/** Connect, send a PROXY v1 header claiming `ip`, and return what the server says first. */
async function firstBytesAs(port: number, ip: string): Promise<string> {
  const s = await openSocket('127.0.0.1', port);
  s.write(`PROXY TCP4 ${ip} 127.0.0.1 40000 ${port}\r\n`);
  const b = await readBytes(s, 8, 5000).catch(() => Buffer.alloc(0));
  s.destroy();
  return b.toString('latin1');
}

test('GeoIP: a denied country is dropped before the SSH banner, an allowed one gets it', async (t) => {
  const srv = await startSks5(t, `
[server]
ssh_listen = "127.0.0.1:0"
proxy_protocol = true
proxy_protocol_trusted_cidrs = ["127.0.0.0/8"]
[geoip]
enabled = true
database_path = "${DB}"
denied_countries = ["FR"]
[security]
ban_enabled = false
[[users]]
username = "alice"
password_hash = "${await testHash('secret')}"
`, { expect: ['ssh'] });
  assert.equal(await firstBytesAs(srv.ssh!.port, '80.67.169.12'), '', 'FR source refused without a banner');
  assert.equal(await firstBytesAs(srv.ssh!.port, '8.8.8.8'), 'SSH-2.0-', 'US source gets the SSH banner');
  const line = await srv.waitForLog((l) => String(l.msg).startsWith('connection refused') && String(l.msg).includes('80.67.169.12'));
  assert.match(String(line.msg), /FR|country/i);
});

test('an expired account is refused on the SOCKS5 door, a current one is not', async (t) => {
  const h = await testHash('secret');
  const srv = await startSks5(t, `
${LOOPBACK_LISTENERS}
[security]
ban_enabled = false
[[users]]
username = "old"
password_hash = "${h}"
expires_at = "2020-01-01T00:00:00Z"
[[users]]
username = "new"
password_hash = "${h}"
expires_at = "2099-01-01T00:00:00Z"
`);
  const old = await socksConnect(srv.socks5!, 'old', 'secret', '127.0.0.1', 9);
  assert.equal(old.authStatus, 1);
  old.socket.destroy();
  const fresh = await socksConnect(srv.socks5!, 'new', 'secret', '127.0.0.1', 9);
  assert.equal(fresh.authStatus, 0);
  fresh.socket.destroy();
  const line = await srv.waitForLog((l) => String(l.msg).includes('expired'));
  assert.equal(line.user, 'old');
});
