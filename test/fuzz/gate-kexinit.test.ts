import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fingerprintOf } from '../../src/gate/fingerprint.js';
import { ClientHelloParser, MAX_IDENT_BYTES, MAX_PACKET_BYTES } from '../../src/gate/kexinit.js';
import { hello, type KexinitLists } from '../fixtures/gate/packets.js';

type Outcome = { kind: 'need' } | { kind: 'error'; phase: string; reason: string } | { kind: 'done'; fp: string; packet: string; leftover: string };

/** Feeds chunks until the parser decides; bytes it never saw count as leftover. */
function feedAll(chunks: Buffer[]): Outcome {
  const p = new ClientHelloParser();
  for (let i = 0; i < chunks.length; i++) {
    const s = p.feed(chunks[i] as Buffer);
    if (s.kind === 'need') continue;
    if (s.kind === 'error') return { kind: 'error', phase: s.phase, reason: s.reason };
    const leftover = Buffer.concat([s.rest, ...chunks.slice(i + 1)]).toString('hex');
    return { kind: 'done', fp: fingerprintOf(s.hello.kexinit), packet: s.hello.packet.toString('hex'), leftover };
  }
  return { kind: 'need' };
}

function splits(b: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of points) { out.push(b.subarray(prev, c)); prev = c; }
  out.push(b.subarray(prev));
  return out;
}

const name = fc.stringMatching(/^[a-z0-9@.-]{1,20}$/);
const nameList = fc.array(name, { maxLength: 6 }).map((a) => a.join(','));
const lists: fc.Arbitrary<KexinitLists> = fc.record({
  kex: nameList, hostKey: nameList, encC2S: nameList, encS2C: nameList, macC2S: nameList, macS2C: nameList,
  compC2S: nameList, compS2C: nameList, langC2S: nameList, langS2C: nameList,
});
const validStream = fc.tuple(lists, fc.boolean(), fc.uint8Array({ maxLength: 64 }), fc.array(fc.stringMatching(/^[ -~]{0,40}$/), { maxLength: 3 }))
  .map(([l, g, extra, pre]) => Buffer.concat([Buffer.from(pre.filter((x) => !x.startsWith('SSH-')).map((x) => `${x}\r\n`).join('')), hello('SSH-2.0-fuzz', l, g), Buffer.from(extra)]));

test('any byte stream yields need, a fingerprint or an error with a reason; never a throw', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), (bytes, withIdent) => {
    const b = Buffer.concat([withIdent ? Buffer.from('SSH-2.0-x\r\n') : Buffer.alloc(0), Buffer.from(bytes)]);
    const o = feedAll([b]);
    if (o.kind === 'error') assert.ok(o.reason.length > 0);
    if (o.kind === 'need') assert.ok(b.length <= MAX_IDENT_BYTES + MAX_PACKET_BYTES + 4, 'more bytes than the bounds allow yet still undecided');
  }), { numRuns: 2000 });
});

test('splitting a valid stream anywhere gives the same fingerprint, packet and leftover bytes', () => {
  fc.assert(fc.property(validStream, fc.array(fc.nat(), { maxLength: 6 }), (b, cuts) => {
    const whole = feedAll([b]);
    assert.equal(whole.kind, 'done');
    assert.deepEqual(feedAll(splits(b, cuts)), whole);
  }), { numRuns: 500 });
});

test('splitting any stream at every single byte gives the same outcome', () => {
  fc.assert(fc.property(fc.oneof(validStream, fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.concat([Buffer.from('SSH-2.0-y\n'), Buffer.from(a)]))), (b) => {
    const whole = feedAll([b]);
    for (let i = 0; i <= b.length; i += Math.max(1, Math.floor(b.length / 40))) {
      assert.deepEqual(feedAll([b.subarray(0, i), b.subarray(i)]), whole, `split at ${i}`);
    }
    const bytewise = feedAll([...b].map((x) => Buffer.from([x])));
    assert.deepEqual(bytewise, whole);
  }), { numRuns: 200 });
});

test('worst-case inputs are decided quickly and within the size bounds', () => {
  const junk = Buffer.alloc(MAX_IDENT_BYTES + 200, 0x61);
  for (let i = 100; i < junk.length; i += 101) junk[i] = 0x0a;
  const started = performance.now();
  const o = feedAll([...junk].map((x) => Buffer.from([x])));
  assert.deepEqual(o, { kind: 'error', phase: 'identification', reason: `SSH identification exceeded ${MAX_IDENT_BYTES} bytes` });
  const hdr = Buffer.from([0xff, 0xff, 0xff, 0xff, 4]);
  assert.equal(feedAll([Buffer.from('SSH-2.0-z\n'), hdr]).kind, 'error');
  assert.ok(performance.now() - started < 5000, 'byte-by-byte worst case took too long');
});
