import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AclSyntaxError, aclWarnings, compileAcl, formatAclRule, parseAclRule, type AclInput } from '../../../src/policy/acl.js';

const acl = (a: Partial<AclInput>): AclInput => ({ default_policy: 'allow', allow: [], deny: [], ...a });

test('parses every documented rule form', () => {
  const cases: [string, string][] = [
    ['169.254.169.254:*', '169.254.169.254:*'],
    ['10.0.0.0/8:*', '10.0.0.0/8:*'],
    ['*.example.com:443', '*.example.com:443'],
    ['api.github.com:443', 'api.github.com:443'],
    ['93.184.216.34:80-443', '93.184.216.34:80-443'],
    ['[2606:2800:220:1::]:443', '[2606:2800:220:1::]:443'],
    ['*:443', '*:443'],
    ['*', '*:*'],
    ['example.com', 'example.com:*'],
    ['2001:db8::1', '[2001:db8::1]:*'],
    ['2001:db8::/32', '[2001:db8::/32]:*'],
    ['[2001:db8::/32]:22', '[2001:db8::/32]:22'],
    ['[::1]', '[::1]:*'],
    ['Example.COM.:8080', 'example.com:8080'],
    ['10.1.2.3/8:1-65535', '10.0.0.0/8:1-65535'],
    ['[::ffff:10.0.0.0/104]:80', '10.0.0.0/8:80'],
    ['bücher.de:443', 'xn--bcher-kva.de:443'],
    ['_srv.internal:53', '_srv.internal:53'],
  ];
  for (const [raw, canonical] of cases) {
    const rule = parseAclRule(raw);
    assert.equal(rule.raw, raw);
    assert.equal(formatAclRule(rule), canonical, raw);
  }
});

test('rejects malformed rules with a message naming the rule and the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /empty rule/],
    ['   ', /empty rule/],
    ['example.com:', /missing port/],
    ['example.com:0', /out of range 1\.\.65535/],
    ['example.com:65536', /out of range/],
    ['example.com:443-80', /reversed/],
    ['example.com:http', /must be a number/],
    ['example.com:-5', /must be a number/],
    ['example.com:1-', /must be a number/],
    ['example.com:+80', /must be a number/],
    ['example.com:123456', /must be a number/],
    ['10.0.0.0/33:*', /prefix length 33 is larger than 32/],
    ['10.0.0.0/x:*', /prefix length "x"/],
    ['10.0.0.256:80', /not a valid IPv4 address/],
    ['1.2.3:80', /not a valid IPv4 address/],
    ['host.999:80', /neither a valid IPv4 address nor a hostname/],
    ['[10.0.0.1]:80', /inside brackets must be an IPv6/],
    ['[::1:80', /missing "\]"/],
    ['[::1]80', /expected ":port" after "\]"/],
    ['[fe80::1%eth0]:22', /not an IP address/],
    ['2001:db8::zz:80', /more than one ":"/],
    ['2001:db8::1::80', /write an IPv6 address with a port as \[addr\]:port/],
    ['2001:db8::/129', /larger than 128/],
    ['a..b:80', /empty label/],
    ['foo*.com:80', /"\*" is only allowed/],
    ['*.*.com:80', /"\*" is only allowed/],
    ['*.:80', /empty host/],
    [':80', /empty host/],
    ['-bad.com:80', /hostname label "-bad"/],
    ['exa mple.com:80', /whitespace/],
    ['example.com:80:90', /more than one ":"/],
    [`${'a'.repeat(64)}.com:80`, /label/],
    [`${'a.'.repeat(130)}com:80`, /characters \(max 253\)/],
    ['x'.repeat(301), /max 300/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(() => parseAclRule(raw), (err: unknown) => {
      assert.ok(err instanceof AclSyntaxError, `${raw}: ${String(err)}`);
      assert.equal(err.rule, raw);
      assert.match(err.message, message, raw);
      assert.match(err.message, /^invalid ACL rule "/);
      return true;
    }, raw);
  }
});

test('compileAcl reports the first bad rule with its text', () => {
  assert.throws(() => compileAcl(acl({ deny: ['10.0.0.0/8:*', 'bad:port'] })), (err: unknown) => err instanceof AclSyntaxError && err.rule === 'bad:port');
});

test('deny beats allow whatever the order of the lists and the rules', () => {
  for (const allow of [['*:*', 'example.com:443'], ['example.com:443', '*:*']]) {
    for (const def of ['allow', 'deny'] as const) {
      const a = compileAcl(acl({ default_policy: def, allow, deny: ['example.com:443'] }));
      const v = a.check('example.com', '93.184.216.34', 443);
      assert.equal(v.decision, 'deny');
      assert.equal(v.rule, 'example.com:443');
      assert.equal(v.reason, 'deny rule "example.com:443"');
    }
  }
});

test('default policy applies when nothing matches, and is named in the reason', () => {
  assert.deepEqual(compileAcl(acl({ default_policy: 'deny' })).check('a.com', '8.8.8.8', 80), { decision: 'deny', reason: 'default policy deny' });
  assert.deepEqual(compileAcl(acl({ default_policy: 'allow' })).check('a.com', '8.8.8.8', 80), { decision: 'allow', reason: 'default policy allow' });
});

test('port truth table: single, range bounds, star, absent', () => {
  const rules = ['p.com:443', 'r.com:80-90', 's.com:*', 'n.com'];
  const a = compileAcl(acl({ default_policy: 'deny', allow: rules }));
  const table: [string, number, 'allow' | 'deny'][] = [
    ['p.com', 443, 'allow'], ['p.com', 442, 'deny'], ['p.com', 444, 'deny'],
    ['r.com', 79, 'deny'], ['r.com', 80, 'allow'], ['r.com', 85, 'allow'], ['r.com', 90, 'allow'], ['r.com', 91, 'deny'],
    ['s.com', 1, 'allow'], ['s.com', 65535, 'allow'], ['s.com', 0, 'allow'],
    ['n.com', 22, 'allow'], ['n.com', 65535, 'allow'],
  ];
  for (const [host, port, want] of table) assert.equal(a.check(host, '203.0.113.5', port).decision, want, `${host}:${port}`);
});

test('hostnames match case-insensitively, ignoring one trailing dot', () => {
  const a = compileAcl(acl({ default_policy: 'deny', allow: ['API.GitHub.com:443'] }));
  for (const host of ['api.github.com', 'API.GITHUB.COM', 'api.github.com.']) assert.equal(a.check(host, '140.82.1.1', 443).decision, 'allow', host);
  for (const host of ['github.com', 'xapi.github.com', 'api.github.com.evil']) assert.equal(a.check(host, '140.82.1.1', 443).decision, 'deny', host);
});

test('internationalised names match in unicode or punycode, and full-width look-alikes cannot slip past', () => {
  const a = compileAcl(acl({ deny: ['*.bücher.de:*', 'example.com:*'] }));
  for (const host of ['bücher.de', 'WWW.BÜCHER.DE', 'www.xn--bcher-kva.de', '\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com']) {
    assert.equal(a.precheck(host, 443).decision, 'deny', host);
    assert.equal(a.check(host, '93.184.216.34', 443).decision, 'deny', host);
  }
  assert.equal(a.check('buecher.de', '93.184.216.34', 443).decision, 'allow');
});

test('wildcard matches subdomains at any depth and the apex, but not look-alikes', () => {
  const a = compileAcl(acl({ default_policy: 'deny', allow: ['*.example.com:443'] }));
  const table: [string, 'allow' | 'deny'][] = [
    ['example.com', 'allow'], ['www.example.com', 'allow'], ['a.b.example.com', 'allow'], ['WWW.Example.Com.', 'allow'],
    ['notexample.com', 'deny'], ['example.com.evil.net', 'deny'], ['example.co', 'deny'], ['com', 'deny'],
  ];
  for (const [host, want] of table) assert.equal(a.check(host, '93.184.216.34', 443).decision, want, host);
});

test('CIDR rules match the connected address; name rules match the requested name', () => {
  const a = compileAcl(acl({ deny: ['10.0.0.0/8:*'], allow: [] }));
  // A public-looking name that resolves into a denied range cannot smuggle past the CIDR rule.
  const v = a.check('innocent.example.com', '10.1.2.3', 443);
  assert.equal(v.decision, 'deny');
  assert.equal(v.rule, '10.0.0.0/8:*');
  assert.equal(a.check('innocent.example.com', '11.0.0.1', 443).decision, 'allow');
  // A name rule never matches an IP literal request, even one that the name resolves to.
  const byName = compileAcl(acl({ deny: ['example.com:*'] }));
  assert.equal(byName.check('93.184.216.34', '93.184.216.34', 80).decision, 'allow');
});

test('CIDR boundaries and literal IPs', () => {
  const a = compileAcl(acl({ default_policy: 'deny', allow: ['172.16.0.0/12:*', '8.8.8.8:53', '0.0.0.0/0:8443'] }));
  const table: [string, number, 'allow' | 'deny'][] = [
    ['172.15.255.255', 80, 'deny'], ['172.16.0.0', 80, 'allow'], ['172.31.255.255', 80, 'allow'], ['172.32.0.0', 80, 'deny'],
    ['8.8.8.8', 53, 'allow'], ['8.8.8.9', 53, 'deny'], ['8.8.8.8', 54, 'deny'],
    ['1.2.3.4', 8443, 'allow'], ['2001:db8::1', 8443, 'deny'],
  ];
  for (const [ip, port, want] of table) assert.equal(a.check(ip, ip, port).decision, want, `${ip}:${port}`);
});

test('IPv6 rules, bracketed or bare, match compressed and expanded forms', () => {
  const a = compileAcl(acl({ default_policy: 'deny', allow: ['[2606:2800:220:1::]:443', '2001:db8::/32', '[fd00::/8]:22'] }));
  assert.equal(a.check('x.com', '2606:2800:220:1:0:0:0:0', 443).decision, 'allow');
  assert.equal(a.check('x.com', '2606:2800:220:1::', 80).decision, 'deny');
  assert.equal(a.check('x.com', '2001:DB8:ffff::1', 12345).decision, 'allow');
  assert.equal(a.check('x.com', '2001:db9::', 12345).decision, 'deny');
  assert.equal(a.check('fd12::1', 'fd12::1', 22).decision, 'allow');
  assert.equal(a.check('fe80::1%eth0', 'fe80::1%eth0', 22).decision, 'deny');
});

test('IPv4-mapped IPv6 addresses match IPv4 rules, and mapped rules match IPv4 addresses', () => {
  const a = compileAcl(acl({ deny: ['10.0.0.0/8:*', '[::ffff:192.168.0.0/112]:*'] }));
  assert.equal(a.check('::ffff:10.9.9.9', '::ffff:10.9.9.9', 80).decision, 'deny');
  assert.equal(a.check('x.com', '::ffff:a09:909', 80).decision, 'deny');
  assert.equal(a.check('x.com', '0:0:0:0:0:ffff:10.0.0.1', 80).decision, 'deny');
  assert.equal(a.check('x.com', '192.168.1.1', 80).decision, 'deny');
  assert.equal(a.check('x.com', '::ffff:11.0.0.1', 80).decision, 'allow');
  // ::a.b.c.d (IPv4-compatible) is a different IPv6 address, not the IPv4 one.
  assert.equal(a.check('x.com', '::10.0.0.1', 80).decision, 'allow');
});

test('a request naming an IP must pass for that IP and for the address actually used', () => {
  const a = compileAcl(acl({ deny: ['169.254.169.254:*'] }));
  assert.equal(a.check('169.254.169.254', '8.8.8.8', 80).decision, 'deny');
  assert.equal(a.check('8.8.8.8', '169.254.169.254', 80).decision, 'deny');
  const strict = compileAcl(acl({ default_policy: 'deny', allow: ['8.8.8.8:53'] }));
  assert.equal(strict.check('8.8.8.8', '8.8.8.8', 53).decision, 'allow');
  assert.equal(strict.check('8.8.8.8', '::ffff:8.8.8.8', 53).decision, 'allow');
  assert.equal(strict.check('8.8.8.8', '8.8.4.4', 53).decision, 'deny');
});

test('check fails closed on an unusable address or port', () => {
  const a = compileAcl(acl({ default_policy: 'allow' }));
  assert.equal(a.check('x.com', 'not-an-ip', 80).decision, 'deny');
  assert.equal(a.check('x.com', '1.2.3.4', -1).decision, 'deny');
  assert.equal(a.check('x.com', '1.2.3.4', 65536).decision, 'deny');
  assert.equal(a.check('x.com', '1.2.3.4', 1.5).decision, 'deny');
  assert.equal(a.precheck('x.com', Number.NaN).decision, 'deny');
});

test('precheck denies before DNS on name deny rules and when nothing could allow', () => {
  const a = compileAcl(acl({ default_policy: 'deny', allow: ['*.corp.com:443', '10.0.0.0/8:22'], deny: ['secret.corp.com:*'] }));
  assert.deepEqual(a.precheck('secret.corp.com', 443), { decision: 'deny', rule: 'secret.corp.com:*', reason: 'deny rule "secret.corp.com:*"' });
  assert.equal(a.precheck('www.corp.com', 443).decision, 'resolve');
  // Port 22 could still be allowed by the CIDR rule once the name resolves into 10/8.
  assert.equal(a.precheck('db.internal', 22).decision, 'resolve');
  const none = a.precheck('db.internal', 80);
  assert.equal(none.decision, 'deny');
  assert.match('reason' in none ? none.reason : '', /default policy deny/);
});

test('precheck with default allow resolves names, and gives the final verdict for IP literals', () => {
  const a = compileAcl(acl({ default_policy: 'allow', deny: ['10.0.0.0/8:*'] }));
  assert.equal(a.precheck('example.com', 443).decision, 'resolve');
  assert.deepEqual(a.precheck('10.0.0.1', 443), { decision: 'deny', rule: '10.0.0.0/8:*', reason: 'deny rule "10.0.0.0/8:*"' });
  assert.deepEqual(a.precheck('8.8.8.8', 443), { decision: 'allow', reason: 'default policy allow' });
  assert.equal(a.precheck('::ffff:10.0.0.1', 443).decision, 'deny');
});

test('a CIDR allow rule works for hostname targets under default deny (the original SSH path did not)', () => {
  const a = compileAcl(acl({ default_policy: 'deny', allow: ['10.0.0.0/8:22'] }));
  assert.equal(a.precheck('bastion.internal', 22).decision, 'resolve');
  assert.equal(a.check('bastion.internal', '10.2.3.4', 22).decision, 'allow');
  assert.equal(a.check('bastion.internal', '192.168.1.1', 22).decision, 'deny');
});

test('compiled rules are exposed in evaluation order, deny first', () => {
  const a = compileAcl(acl({ allow: ['a.com:1'], deny: ['b.com:2', 'c.com:3'] }));
  assert.deepEqual(a.rules.map((r) => r.raw), ['b.com:2', 'c.com:3', 'a.com:1']);
  assert.equal(a.defaultPolicy, 'allow');
});

test('aclWarnings flags rules that do not do what they seem to', () => {
  assert.match(aclWarnings(acl({ default_policy: 'allow', allow: ['a.com:443'] })).join('\n'), /no effect/);
  assert.match(aclWarnings(acl({ default_policy: 'allow', deny: ['*.evil.com:*'] })).join('\n'), /by IP address/);
  assert.deepEqual(aclWarnings(acl({ default_policy: 'deny', allow: ['a.com:443'], deny: ['10.0.0.0/8'] })), []);
});

test('checkName (remote DNS): name rules decide, address rules cannot match, then the default', () => {
  const open = compileAcl({ default_policy: 'allow', allow: [], deny: ['10.0.0.0/8:*', '*.corp.com:*'] });
  assert.equal(open.checkName('db.corp.com', 5432).decision, 'deny');
  const unseen = open.checkName('resolves-to-ten.example', 80);
  assert.equal(unseen.decision, 'allow', 'the 10.0.0.0/8 rule cannot see an address we never learn');
  assert.match(unseen.reason, /address rules not applied/);
  assert.equal(open.checkName('10.1.2.3', 80).decision, 'deny', 'an IP literal is still an address');
  const closed = compileAcl({ default_policy: 'deny', allow: ['93.184.216.0/24:443', 'api.example.com:443'], deny: [] });
  assert.deepEqual(closed.checkName('api.example.com', 443), { decision: 'allow', rule: 'api.example.com:443', reason: 'allow rule "api.example.com:443"' });
  assert.equal(closed.checkName('www.example.com', 443).decision, 'deny', 'an address allow rule cannot allow a name it cannot see');
  assert.equal(closed.checkName('api.example.com', 80).decision, 'deny');
  assert.equal(closed.checkName('x', 70000).decision, 'deny');
});
