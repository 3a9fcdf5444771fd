import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hash64, hashEnd, hashOut, hashPiece, hashStart, runHash, stableHash, type TextHash } from '../../src/integrity/hash.js';

function hashOf(text: string): [number, number] {
  hash64(text);
  return [hashOut.hi, hashOut.lo];
}

describe('hash64', () => {
  it('is stable, seed-dependent and spreads near-identical keys', () => {
    assert.deepEqual(hashOf('INV-1'), hashOf('INV-1'));
    assert.notDeepEqual(hashOf('INV-1'), hashOf('INV-2'));
    hash64('INV-1', 7);
    assert.notDeepEqual([hashOut.hi, hashOut.lo], hashOf('INV-1'));
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(hashOf(`L-${i}`).join(':'));
    assert.equal(seen.size, 100_000);
  });

  it('gives the values that state files already hold', () => {
    hash64('INV-1');
    assert.deepEqual([hashOut.hi, hashOut.lo], [3157188996, 1998057964]);
    hash64('0f8fad5b-d9cb-469f-a165-70867728950e');
    assert.deepEqual([hashOut.hi, hashOut.lo], [4124461526, 2110956238]);
    hash64('Müller', 7);
    assert.deepEqual([hashOut.hi, hashOut.lo], [2638689110, 3897116304]);
  });

  it('hashes a text given in pieces as the joined text, so state files stay valid', () => {
    for (const pieces of [['erpKey\u001e', 'INV-1', '\u001f'], ['', 'é', '😀x'], []]) {
      hashStart(99);
      for (const piece of pieces) hashPiece(piece);
      hashEnd();
      const inPieces = [hashOut.hi, hashOut.lo];
      hash64(pieces.join(''), 99);
      assert.deepEqual(inPieces, [hashOut.hi, hashOut.lo]);
    }
  });
});

/** The hashes of `texts` one at a time, as "hi:lo". */
function eachOf(hash: TextHash, texts: readonly string[]): string[] {
  return texts.map((text) => {
    hash.one(text);
    return `${hashOut.hi}:${hashOut.lo}`;
  });
}

/** The hashes of texts[0, count) as a batch, as "hi:lo". */
function batchOf(hash: TextHash, texts: readonly string[], count = texts.length): string[] {
  const out = new Uint32Array(2 * count);
  hash.many(texts, count, out);
  return pairs(out, count);
}

/** The first `count` hashes in `out`, as "hi:lo". */
function pairs(out: Uint32Array, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${out[2 * i]}:${out[2 * i + 1]}`);
}

const guid = (i: number): string => {
  const hex = (i * 2654435761 + 0x1234567).toString(16).padStart(12, '0').slice(-12);
  return `0f8fad5b-d9cb-469f-a165-${hex}`;
};

describe('runHash', () => {
  it('hashes a batch as it hashes each of its texts, whatever the batch holds', () => {
    const ascii = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'INV-1', guid(1), guid(2), 'x'.repeat(1024)];
    const batches = [
      ascii,
      [...ascii, 'Müller'],
      ['é', 'a\uD800b', 'a\uDFFFb', '😀'],
      [...ascii, 'y'.repeat(1025)],
      ['ab', 'c', 'a', 'bc'],
    ];
    for (const texts of batches) {
      assert.deepEqual(batchOf(runHash, texts), eachOf(runHash, texts));
      assert.deepEqual(batchOf(runHash, texts, 3), eachOf(runHash, texts.slice(0, 3)));
    }
    assert.deepEqual(batchOf(stableHash, ascii), eachOf(stableHash, ascii));
    hash64(guid(1));
    assert.deepEqual(eachOf(stableHash, [guid(1)]), [`${hashOut.hi}:${hashOut.lo}`], 'stableHash is the state file\'s hash64');
  });

  it('hashes runs of equal texts once, each a text equal to the one before it', () => {
    // Slices of one text, as cells are, so equal texts are different strings; runs of one text, of the same length, and of other texts.
    const cells = [guid(1), guid(1), guid(1), guid(2), 'abcd', 'abcd', 'abce', 'abcd', 'abcde', 'abcdf', 'abcdf', '', '', 'Müller', 'Müller', guid(1), 'x'.repeat(1025), 'x'.repeat(1025)];
    const file = cells.join(',');
    let at = 0;
    const texts = cells.map((cell) => file.slice(at, (at += cell.length + 1) - 1));
    for (const hash of [runHash, stableHash]) {
      for (const batch of [texts, texts.filter((text) => !text.includes('ü') && text.length <= 1024)]) {
        const same = new Uint8Array(batch.length);
        const out = new Uint32Array(2 * batch.length);
        const hashed = hash.runs(batch, batch.length, out, same);
        const runs = batch.map((text, i) => (i > 0 && text === batch[i - 1] ? 1 : 0));
        assert.deepEqual([...same], runs);
        const firsts = batch.filter((_, i) => runs[i] === 0);
        assert.equal(hashed, firsts.length);
        assert.deepEqual(pairs(out, hashed), eachOf(hash, firsts));
      }
    }
    assert.deepEqual(
      texts.map((text, i) => (i > 0 && text === texts[i - 1] ? 1 : 0)),
      [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1],
      'the batch holds runs of each kind',
    );
  });

  it('keeps apart texts that share their bytes in a batch, and lone surrogates that encode alike', () => {
    const texts = ['ab', 'c', 'a', 'bc', 'abc', '', '\uD800', '\uDC00', '\uFFFD', 'a\uD800b', 'a\uDFFFb', 'a\uFFFDb'];
    assert.equal(new Set(batchOf(runHash, texts)).size, texts.length);
  });

  it('keeps apart texts that differ only in the case of letters a word apart', () => {
    // Case is one high bit of a byte; a multiply alone carries such a bit only up, so two of them could cancel.
    const texts: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const base = `abc${'pqrstuvwxyz'[i % 11]}efg${'hijklmno'[i % 8]}-${i}`;
      for (const upper of [[], [3], [7], [3, 7], [3, 11], [7, 15]]) {
        texts.push([...base].map((c, at) => (upper.includes(at) ? c.toUpperCase() : c)).join(''));
      }
    }
    assert.equal(new Set(batchOf(runHash, texts)).size, new Set(texts).size);
  });

  it('spreads GUIDs and counters over both halves and every shard', () => {
    const texts: string[] = [];
    for (let i = 0; i < 100_000; i++) texts.push(guid(i), `INVOICE-${i}`, `${i}`);
    const hashes = batchOf(runHash, texts);
    assert.equal(new Set(hashes).size, texts.length, 'no two texts share a 64-bit hash');
    // 300,000 random 32-bit values share one about 10 times; the index takes its slot from one half and its shard from the other.
    const his = new Set(hashes.map((h) => h.split(':')[0]));
    const los = new Set(hashes.map((h) => h.split(':')[1]));
    assert.ok(texts.length - his.size < 40 && texts.length - los.size < 40, `${texts.length - his.size} and ${texts.length - los.size} shared halves`);
    const shards = new Array(256).fill(0);
    for (const h of hashes) shards[Number(h.split(':')[0]) >>> 24]++;
    const expected = texts.length / 256;
    assert.ok(shards.every((n) => Math.abs(n - expected) < 0.15 * expected), `shards hold ${Math.min(...shards)} to ${Math.max(...shards)} keys`);
  });
});
