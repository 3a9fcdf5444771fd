import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hash64, hashOut } from '../../src/integrity/hash.js';
import { KeyIndex } from '../../src/integrity/key-index.js';
import { seeded } from '../helpers.js';

function hashOf(text: string): [number, number] {
  hash64(text);
  return [hashOut.hi, hashOut.lo];
}

describe('KeyIndex', () => {
  it('finds every inserted key with its value and no other key', () => {
    const index = new KeyIndex(2);
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const [hi, lo] = hashOf(`K-${i}`);
      index.value[0] = i;
      index.value[1] = i * 3;
      assert.equal(index.insert(hi, lo), true);
    }
    assert.equal(index.size, n);
    for (let i = 0; i < n; i++) {
      const [hi, lo] = hashOf(`K-${i}`);
      assert.equal(index.find(hi, lo), true);
      assert.deepEqual([index.value[0], index.value[1]], [i, i * 3]);
      assert.equal(index.find(...hashOf(`absent-${i}`)), false);
    }
    index.value[0] = 42;
    index.value[1] = 43;
    assert.equal(index.insert(...hashOf('K-7')), false, 'an existing key is updated, not added');
    assert.equal(index.size, n);
    assert.ok(index.find(...hashOf('K-7')));
    assert.equal(index.value[0], 42);
    assert.equal([...index.entries()].length, n);
  });

  it('insertIfAbsent adds a new key, and for a present one keeps it and returns its value', () => {
    const index = new KeyIndex(2);
    index.value[0] = 1;
    index.value[1] = 10;
    assert.equal(index.insertIfAbsent(...hashOf('A')), true);
    index.value[0] = 2;
    index.value[1] = 20;
    assert.equal(index.insertIfAbsent(...hashOf('A')), false);
    assert.deepEqual([index.value[0], index.value[1]], [1, 10]);
    assert.equal(index.size, 1);
  });

  it('insertAllIfAbsent inserts a batch as insertIfAbsent does key by key, through growth', () => {
    const batchwise = new KeyIndex(1);
    const keywise = new KeyIndex(1);
    const hashes = new Uint32Array(2 * 500);
    const values = new Uint32Array(500);
    const present = new Uint8Array(500);
    let next = 0;
    const random = seeded(7);
    for (let batch = 0; batch < 200; batch++) {
      // Keys seen before, keys repeated within the batch, and keys with a zero low half.
      for (let k = 0; k < 500; k++) {
        const [hi, lo] = hashOf(`K-${Math.floor(random() * 40_000)}`);
        hashes[2 * k] = hi;
        hashes[2 * k + 1] = k % 50 === 0 ? 0 : lo;
        values[k] = next++;
      }
      const expected = [...values].map((value, k) => {
        keywise.value[0] = value;
        return keywise.insertIfAbsent(hashes[2 * k], hashes[2 * k + 1]) ? undefined : keywise.value[0];
      });
      batchwise.insertAllIfAbsent(hashes, 500, values, present);
      assert.deepEqual([...values].map((value, k) => (present[k] === 1 ? value : undefined)), expected);
    }
    assert.equal(batchwise.size, keywise.size);
    assert.deepEqual([...batchwise.entries()].map((e) => [...e].join()).sort(), [...keywise.entries()].map((e) => [...e].join()).sort());
    assert.throws(() => new KeyIndex(0).insertAllIfAbsent(hashes, 1, values, present), /one value word/);
  });

  it('keeps a key whose low half is zero', () => {
    const index = new KeyIndex(0);
    index.insert(123, 0);
    assert.equal(index.find(123, 0), true);
    assert.equal(index.find(124, 0), false);
  });

  it('stays within 22.5 bytes per key at any size past the first allocation', () => {
    for (const valueWords of [0, 1, 2]) {
      const index = new KeyIndex(valueWords);
      for (let i = 0; i < 300_000; i++) {
        index.insert(...hashOf(`E-${i}`));
        if (i > 100_000 && i % 9973 === 0) assert.ok(index.bytes / index.size <= 22.5, `${index.bytes / index.size} bytes a key at ${i}`);
      }
    }
  });

  it('keeps marks through growth, and lists marked and unmarked entries with their full keys', () => {
    const index = new KeyIndex(2);
    const keys = Array.from({ length: 5000 }, (_, i) => hashOf(`M-${i}`));
    for (const [i, [hi, lo]] of keys.entries()) {
      index.value[0] = i;
      index.value[1] = ~i;
      index.insert(hi, lo);
      if (i % 3 === 0) index.mark();
    }
    for (const [i, [hi, lo]] of keys.entries()) {
      assert.ok(index.find(hi, lo));
      assert.equal(index.marked, i % 3 === 0, `mark of key ${i}`);
      assert.deepEqual([...index.value], [i, ~i >>> 0]);
    }
    // Overwriting a marked key's value keeps its mark.
    index.value[0] = 1;
    index.insert(...keys[0]);
    assert.ok(index.find(...keys[0]) && index.marked);
    assert.equal(index.find(...hashOf('absent')), false);
    assert.equal(index.marked, false);
    const listed = (only: 'marked' | 'unmarked') => {
      // One array is reused from entry to entry: read each as it comes.
      const found: string[] = [];
      for (const entry of index.entries(only)) found.push(`${entry[0]}:${entry[1]}`);
      return found.sort();
    };
    const expected = (marked: boolean) =>
      keys.filter((_, i) => (i % 3 === 0) === marked).map(([hi, lo]) => `${hi >>> 0}:${lo >>> 0}`).sort();
    assert.deepEqual(listed('marked'), expected(true));
    assert.deepEqual(listed('unmarked'), expected(false));
  });

  it('touchAll takes batches over every shard, or none, and changes nothing', () => {
    const index = new KeyIndex(1);
    const keys = Array.from({ length: 5000 }, (_, i) => hashOf(`K-${i}`));
    keys.forEach(([hi, lo], i) => {
      index.value[0] = i;
      index.insert(hi, lo);
    });
    const before = [...index.entries()].map((entry) => entry.join(':')).sort();
    const batch = new Uint32Array(keys.flat());
    index.touchAll(batch, keys.length);
    index.touchAll(batch, 0);
    index.touchAll(new Uint32Array([0xffffffff, 0, 0, 0]), 2);
    assert.deepEqual([...index.entries()].map((entry) => entry.join(':')).sort(), before);
    assert.ok(keys.every(([hi, lo], i) => index.find(hi, lo) && index.value[0] === i));
  });

  it('packs the change state tighter', () => {
    const normal = new KeyIndex(2, 1_000_000);
    const tight = new KeyIndex(2, 1_000_000, 'tight');
    assert.ok(normal.bytes / 1_000_000 > 21 && normal.bytes / 1_000_000 < 21.5, `${normal.bytes / 1_000_000}`);
    assert.ok(tight.bytes / 1_000_000 > 18.7 && tight.bytes / 1_000_000 < 19, `${tight.bytes / 1_000_000}`);
  });
});
