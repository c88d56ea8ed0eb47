import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flagUsage, parseGoBool, parseGoFlags, parseGoInt, type FlagSetSpec } from '../../../src/gate/cli-args.js';

const spec: FlagSetSpec = {
  name: 'approve',
  flags: [
    { name: 'db', kind: 'string', default: '/var/lib/sshgate/sshgate.db', usage: 'database path' },
    { name: 'label', kind: 'string', usage: 'label' },
    { name: 'register', kind: 'bool', usage: 'register' },
    { name: 'limit', kind: 'int', default: 100, usage: 'limit' },
    { name: 'window', kind: 'duration', default: 120_000, usage: 'window' },
    { name: 'route', kind: 'list', usage: 'route', validate: (v) => { if (!v.includes('=')) throw new Error('route must be LISTEN=BACKEND'); } },
  ],
};

function ok(argv: string[]) {
  const r = parseGoFlags(spec, argv);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r;
}

test('single and double dash, = and separate values are the same flag', () => {
  for (const argv of [['-db', 'x.db'], ['--db', 'x.db'], ['-db=x.db'], ['--db=x.db']]) {
    assert.equal(ok(argv).values['db'], 'x.db');
  }
  assert.equal(ok([]).values['db'], '/var/lib/sshgate/sshgate.db');
});

test('parsing stops at the first positional argument and at --', () => {
  const r = ok(['--label', 'Alice laptop', 'abc', '--register']);
  assert.deepEqual(r.args, ['abc', '--register']);
  assert.equal(r.values['register'], false);
  assert.deepEqual(ok(['--', '-db']).args, ['-db']);
  assert.deepEqual(ok(['-', 'x']).args, ['-', 'x']);
});

test('bool flags never take the next argument; -flag=false works', () => {
  const r = ok(['--register', 'abc']);
  assert.equal(r.values['register'], true);
  assert.deepEqual(r.args, ['abc']);
  assert.equal(ok(['-register=false']).values['register'], false);
  assert.equal(ok(['-register=T']).values['register'], true);
});

test('ints, durations and repeatable lists', () => {
  const r = ok(['--limit', '0x10', '--window', '5m', '--route', 'a:1=b:2', '--route=c:1=d:2']);
  assert.equal(r.values['limit'], 16);
  assert.equal(r.values['window'], 300_000);
  assert.deepEqual(r.values['route'], ['a:1=b:2', 'c:1=d:2']);
  assert.equal(ok(['-limit', '-1']).values['limit'], -1);
});

test('errors use the Go flag package texts', () => {
  const err = (argv: string[]) => {
    const r = parseGoFlags(spec, argv);
    assert.ok(!r.ok);
    return r;
  };
  assert.equal(err(['--bogus']).error, 'flag provided but not defined: -bogus');
  assert.equal(err(['--db']).error, 'flag needs an argument: -db');
  assert.equal(err(['---db']).error, 'bad flag syntax: ---db');
  assert.equal(err(['-=x']).error, 'bad flag syntax: -=x');
  assert.equal(err(['--register=maybe']).error, 'invalid boolean value "maybe" for -register: parse error');
  assert.equal(err(['--limit', 'ten']).error, 'invalid value "ten" for flag -limit: parse error');
  assert.equal(err(['--window', '5']).error, 'invalid value "5" for flag -window: parse error');
  assert.equal(err(['--route', 'x']).error, 'invalid value "x" for flag -route: route must be LISTEN=BACKEND');
  const help = err(['-h']);
  assert.equal(help.help, true);
  assert.equal(err(['--help']).help, true);
});

test('helpers: ParseBool and ParseInt(base 0)', () => {
  assert.equal(parseGoBool('True'), true);
  assert.equal(parseGoBool('yes'), null);
  assert.equal(parseGoInt('010'), 8);
  assert.equal(parseGoInt('1_000'), 1000);
  assert.equal(parseGoInt('0b101'), 5);
  assert.equal(parseGoInt('1e3'), null);
  assert.equal(parseGoInt(''), null);
});

test('usage lists flags sorted with types and defaults', () => {
  const u = flagUsage(spec);
  assert.match(u, /^Usage of approve:\n  -db string\n    \tdatabase path \(default "\/var\/lib\/sshgate\/sshgate.db"\)\n/);
  assert.match(u, /  -window duration\n    \twindow \(default 2m0s\)/);
  assert.match(u, /  -register\n/);
});

test('the flags given on the command line are reported as set (flag.Visit), defaults are not', () => {
  const r = parseGoFlags({ name: 't', flags: [{ name: 'workers', kind: 'int', default: 1, usage: '' }, { name: 'v', kind: 'bool', usage: '' }, { name: 'db', kind: 'string', usage: '' }] }, ['-workers=1', '--v', 'x']);
  assert.ok(r.ok);
  assert.deepEqual([...r.set].sort(), ['v', 'workers'], 'given with its default value still counts as set');
});
