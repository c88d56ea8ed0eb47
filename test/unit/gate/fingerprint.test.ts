import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeKexinit, fingerprintMaterial, fingerprintOf, hasshOf, isFingerprintHash } from '../../../src/gate/fingerprint.js';
import { ClientHelloParser, parseKexinitPayload } from '../../../src/gate/kexinit.js';
import { SAMPLE_LISTS, SAMPLE_RAW, kexinitPayload } from '../../fixtures/gate/packets.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'gate');

function parse(payload: Buffer, strict = true) {
  const r = parseKexinitPayload(payload, { strict });
  assert.ok(r.ok);
  return r.kexinit;
}

test('fingerprint = first 16 bytes of sha256 over the documented raw string', () => {
  const k = parse(kexinitPayload());
  assert.equal(fingerprintMaterial(k).toString(), SAMPLE_RAW);
  assert.equal(fingerprintOf(k), createHash('sha256').update(SAMPLE_RAW).digest('hex').slice(0, 32));
  assert.ok(isFingerprintHash(fingerprintOf(k)));
});

test('the guess flag is part of the fingerprint; language lists and cookie are not', () => {
  const base = fingerprintOf(parse(kexinitPayload()));
  assert.notEqual(fingerprintOf(parse(kexinitPayload(SAMPLE_LISTS, true))), base);
  assert.equal(fingerprintOf(parse(kexinitPayload({ ...SAMPLE_LISTS, langC2S: 'en-US' }))), base);
  assert.equal(fingerprintOf(parse(kexinitPayload(SAMPLE_LISTS, false, 0x99))), base);
});

test('empty lists hash as empty fields', () => {
  const lists = { ...SAMPLE_LISTS, macC2S: '', macS2C: '' };
  assert.match(fingerprintMaterial(parse(kexinitPayload(lists))).toString(), /;;;/);
});

test('non-ASCII bytes are hashed raw, not UTF-8 re-encoded (Go string semantics)', () => {
  const k = parse(kexinitPayload({ ...SAMPLE_LISTS, kex: 'k\u00ff' }), false);
  const raw = Buffer.from(`k\u00ff;${SAMPLE_RAW.slice(SAMPLE_LISTS.kex.length + 1)}`, 'latin1');
  assert.equal(fingerprintOf(k), createHash('sha256').update(raw).digest('hex').slice(0, 32));
});

test('HASSH is md5 of kex;enc_c2s;mac_c2s;comp_c2s', () => {
  const k = parse(kexinitPayload());
  const l = SAMPLE_LISTS;
  assert.equal(hasshOf(k), createHash('md5').update(`${l.kex};${l.encC2S};${l.macC2S};${l.compC2S}`).digest('hex'));
});

test('real captures give the values an independent parser and tshark give', () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string,
    { ident: string; fingerprint: string; hassh: string; trailing_bytes: number; first_kex_packet_follows: boolean }>;
  for (const [file, want] of Object.entries(expected)) {
    const s = new ClientHelloParser().feed(readFileSync(join(FIXTURES, file)));
    assert.equal(s.kind, 'done', file);
    if (s.kind !== 'done') continue;
    const m = describeKexinit(s.hello.kexinit, s.hello.ident);
    assert.equal(m.fingerprint, want.fingerprint, file);
    assert.equal(m.hassh, want.hassh, file);
    assert.equal(m.clientId, want.ident);
    assert.equal(m.firstKexGuess, want.first_kex_packet_follows);
    assert.equal(s.rest.length, want.trailing_bytes, `${file}: bytes after KEXINIT`);
  }
  assert.equal(expected['openssh-9.2p1-hello.bin']?.fingerprint, '2edbc78717d7f7d5c4c7e3a0bca94ef7');
  assert.equal(expected['dropbear-2022.83-hello.bin']?.fingerprint, '2ad8687458b64a8806f723559d839151');
});

test('the client ident does not change the fingerprint', () => {
  const a = describeKexinit(parse(kexinitPayload()), Buffer.from('SSH-2.0-A'));
  const b = describeKexinit(parse(kexinitPayload()), Buffer.from('SSH-2.0-B'));
  assert.equal(a.fingerprint, b.fingerprint);
  assert.notEqual(a.clientId, b.clientId);
});

test('isFingerprintHash wants exactly 32 lowercase hex characters', () => {
  assert.ok(isFingerprintHash('0123456789abcdef0123456789abcdef'));
  assert.ok(!isFingerprintHash('0123456789ABCDEF0123456789abcdef'));
  assert.ok(!isFingerprintHash('0123456789abcdef0123456789abcde'));
  assert.ok(!isFingerprintHash('0123456789abcdef0123456789abcdefa'));
});
