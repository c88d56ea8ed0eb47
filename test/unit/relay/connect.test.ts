import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileAcl } from '../../../src/policy/acl.js';
import { connectTarget, type ConnectPolicy } from '../../../src/relay/connect.js';
import { compileSsrfGuard } from '../../../src/policy/ssrf-guard.js';
import type { DnsCache } from '../../../src/relay/dns-cache.js';

/** A resolver that fails the test if asked: with remote DNS we must never resolve. */
const noDns = { resolve: () => { throw new Error('resolved locally'); } } as unknown as DnsCache;

function policy(over: Partial<ConnectPolicy> = {}): ConnectPolicy {
  return {
    acl: compileAcl({ default_policy: 'allow', allow: [], deny: ['blocked.test:*'] }),
    ipGuard: compileSsrfGuard(true, []), timeoutMs: 1000, retries: 0, retryDelayMs: 10,
    upstream: 'socks5://127.0.0.1:1', remoteDns: true, ...over,
  };
}

test('remote DNS: a name deny rule refuses before anything is dialled or resolved', async () => {
  const r = await connectTarget({ host: 'blocked.test', port: 80 }, policy(), { dns: noDns });
  assert.equal(r.allow, false);
  if (!r.allow) assert.equal(r.code, 'SKS5_DENY_ACL');
});

test('remote DNS: localhost names are refused by the anti-SSRF guard (the e2e test shows them pass with it off)', async () => {
  for (const host of ['localhost', 'LOCALHOST.', 'db.localhost']) {
    const r = await connectTarget({ host, port: 80 }, policy(), { dns: noDns });
    assert.equal(r.allow, false, host);
    if (!r.allow) assert.equal(r.code, 'SKS5_DENY_SSRF', host);
  }
});
