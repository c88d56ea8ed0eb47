import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AclSyntaxError, compileAcl, formatAclRule, parseAclRule } from '../../src/policy/acl.js';

const RUNS = { numRuns: 2000 };

const port = fc.integer({ min: 1, max: 65535 });
const portText = fc.oneof(
  fc.constant('*'),
  port.map(String),
  fc.tuple(port, port).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
);
const ipv6Cidr = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, p]) => `${ip}/${p}`);
const hostText = fc.oneof(
  fc.constant('*'),
  fc.domain(),
  fc.domain().map((d) => `*.${d}`),
  fc.ipV4(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, p]) => `${ip}/${p}`),
  fc.oneof(fc.ipV6(), ipv6Cidr).map((ip) => `[${ip}]`),
);
/** Syntactically valid rules in every documented form. */
const validRule = fc.oneof(
  fc.tuple(hostText, portText).map(([h, p]) => `${h}:${p}`),
  hostText,
  fc.oneof(fc.ipV6(), ipv6Cidr),
);
/** Near-misses: valid rules with a character inserted, dropped or replaced. */
const mutatedRule = fc.tuple(validRule, fc.nat(), fc.constantFrom(...':[]/*.-%, 0a\u00e9\u0000')).map(([r, i, c]) => {
  const at = i % (r.length + 1);
  return i % 3 === 0 ? r.slice(0, at) + c + r.slice(at) : i % 3 === 1 ? r.slice(0, at) + r.slice(at + 1) : r.slice(0, at) + c + r.slice(at + 1);
});
/** Internationalised and look-alike names: the punycode path of the parser and the matcher. */
const unicodeName = fc.string({ unit: fc.constantFrom('a', 'ü', 'ß', '.', '\uff21', '\uff0e', '\u200d', '\u0301', '-', 'xn--', '*.', '\ud800'), minLength: 1, maxLength: 12 });
const anyText = fc.oneof(unicodeName, fc.tuple(unicodeName, portText).map(([h, p]) => `${h}:${p}`), fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.[]/*-'), maxLength: 60 }), mutatedRule);

test('parseAclRule throws nothing but AclSyntaxError, on any input', () => {
  fc.assert(fc.property(anyText, (raw) => {
    try {
      parseAclRule(raw);
    } catch (err) {
      assert.ok(err instanceof AclSyntaxError, `unexpected ${String(err)} for ${JSON.stringify(raw)}`);
      assert.equal(err.rule, raw);
    }
  }), RUNS);
});

test('every generated rule in a documented form is accepted', () => {
  fc.assert(fc.property(validRule, (raw) => {
    parseAclRule(raw);
  }), RUNS);
});

test('any accepted rule round-trips through its canonical text', () => {
  fc.assert(fc.property(fc.oneof(validRule, anyText), (raw) => {
    let rule;
    try {
      rule = parseAclRule(raw);
    } catch {
      return;
    }
    const canonical = formatAclRule(rule);
    const again = parseAclRule(canonical);
    assert.deepEqual({ host: again.host, ports: again.ports }, { host: rule.host, ports: rule.ports }, `${raw} -> ${canonical}`);
    assert.equal(formatAclRule(again), canonical);
  }), RUNS);
});

const anyHost = fc.oneof(fc.domain(), unicodeName, fc.ipV4(), fc.ipV6(), fc.ipV4().map((ip) => `::ffff:${ip}`), fc.string({ maxLength: 30 }));
const anyIp = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().map((ip) => `::ffff:${ip}`));
const anyPort = fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.integer(), fc.double());
const anyAcl = fc.record({
  default_policy: fc.constantFrom('allow' as const, 'deny' as const),
  allow: fc.array(validRule, { maxLength: 6 }),
  deny: fc.array(validRule, { maxLength: 6 }),
});

test('random rule sets compile, and check/precheck never throw', () => {
  fc.assert(fc.property(anyAcl, anyHost, anyIp, anyPort, (input, host, ip, p) => {
    const acl = compileAcl(input);
    const pre = acl.precheck(host, p);
    const post = acl.check(host, ip, p);
    assert.ok(['allow', 'deny', 'resolve'].includes(pre.decision));
    assert.ok(['allow', 'deny'].includes(post.decision));
    assert.equal(typeof post.reason, 'string');
  }), RUNS);
});

test('a deny from precheck is never turned into an allow by DNS', () => {
  fc.assert(fc.property(anyAcl, anyHost, anyIp, port, (input, host, ip, p) => {
    const acl = compileAcl(input);
    const pre = acl.precheck(host, p);
    if (pre.decision === 'deny') assert.equal(acl.check(host, ip, p).decision, 'deny');
    if (pre.decision === 'allow') assert.deepEqual(acl.check(host, host, p), pre);
  }), RUNS);
});

test('the same rule in both lists always denies what it matches', () => {
  fc.assert(fc.property(validRule, anyHost, anyIp, port, fc.constantFrom('allow' as const, 'deny' as const), (rule, host, ip, p, def) => {
    const allowOnly = compileAcl({ default_policy: 'deny', allow: [rule], deny: [] });
    const both = compileAcl({ default_policy: def, allow: [rule], deny: [rule] });
    if (allowOnly.check(host, ip, p).decision === 'allow') assert.equal(both.check(host, ip, p).decision, 'deny');
  }), RUNS);
});

function ipv4Number(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

test('IPv4 CIDR matching agrees with a plain arithmetic oracle, for plain and mapped addresses', () => {
  fc.assert(fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), (net, prefix, ip) => {
    const acl = compileAcl({ default_policy: 'allow', allow: [], deny: [`${net}/${prefix}:*`] });
    const size = 2 ** (32 - prefix);
    const inside = Math.floor(ipv4Number(net) / size) === Math.floor(ipv4Number(ip) / size);
    assert.equal(acl.check('h.example', ip, 1).decision, inside ? 'deny' : 'allow');
    assert.equal(acl.check('h.example', `::ffff:${ip}`, 1).decision, inside ? 'deny' : 'allow');
  }), RUNS);
});
