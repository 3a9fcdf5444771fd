import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NumberedKeys } from '../../src/integrity/numbered-keys.js';

describe('NumberedKeys', () => {
  it('holds keys by class and number: the text before the digits and the digit count both count', () => {
    const keys = new NumberedKeys(true);
    const texts = ['L-7', 'L-07', 'X-7', '7', '007', 'INV-000123', 'INV-123', 'é-1', '999999999999999'];
    texts.forEach((text, i) => {
      keys.value[0] = 100 + i;
      assert.equal(keys.insertIfAbsent(text), true, text);
    });
    assert.equal(keys.size, texts.length);
    texts.forEach((text, i) => {
      assert.equal(keys.find(text), true, text);
      assert.equal(keys.value[0], 100 + i, text);
    });
    for (const absent of ['L-8', '8', 'INV-000124', 'é-2']) assert.equal(keys.find(absent), false, absent);
    // No class or page yet: not held, so a caller looks in its hash index.
    for (const unheld of ['L-007', 'X-07', 'Y-1', 'L-100000']) assert.equal(keys.find(unheld), undefined, unheld);
  });

  it('leaves keys without trailing digits, or with more than 15, to the caller', () => {
    const keys = new NumberedKeys(false);
    for (const text of ['ACME', '', 'L-', 'INV-1a', '1234567890123456', 'A-9999999999999999']) {
      assert.equal(keys.insert(text), undefined, text);
      assert.equal(keys.holds(text), false, text);
    }
    assert.equal(keys.size, 0);
  });

  it('overwrites with insert and keeps the first value with insertIfAbsent', () => {
    const keys = new NumberedKeys(true);
    keys.value[0] = 5;
    assert.equal(keys.insert('K-1'), true);
    keys.value[0] = 9;
    assert.equal(keys.insertIfAbsent('K-1'), false);
    assert.equal(keys.value[0], 5);
    keys.value[0] = 11;
    assert.equal(keys.insert('K-1'), false);
    assert.equal(keys.find('K-1'), true);
    assert.equal(keys.value[0], 11);
  });

  it('costs 0.13 bytes a key with values in step with the numbers, 1.1 with values near them, 4.1 with values that are not, and 0.13 without', () => {
    for (const [withValues, valueOf, most] of [
      [true, (i: number) => 1000 + i, 0.2],
      [true, (i: number) => 1000 + i + (i % 7), 1.2],
      [true, (i: number) => (i * 7919) % 1_000_003, 4.3],
      [false, () => 0, 0.2],
    ] as const) {
      const keys = new NumberedKeys(withValues);
      for (let i = 0; i < 1_000_000; i++) {
        keys.value[0] = valueOf(i);
        keys.insert(`L-${i}`);
      }
      assert.equal(keys.size, 1_000_000);
      assert.ok(keys.bytes / keys.size < most, `${keys.bytes / keys.size} bytes a key`);
      if (!withValues) continue;
      for (let i = 0; i < 1_000_000; i += 997) {
        assert.equal(keys.find(`L-${i}`), true);
        assert.equal(keys.value[0], valueOf(i), `L-${i}`);
      }
    }
  });

  it('keeps every value exact when a page turns from bytes to words part-way, and at the ends of the 32-bit range', () => {
    const keys = new NumberedKeys(true);
    const values = [5, 6, 7, 7 + 127, 3, 0xffffffff, 0, 4000, 0x80000000];
    values.forEach((value, i) => {
      keys.value[0] = value;
      keys.insert(`P-${i}`);
      values.slice(0, i + 1).forEach((expected, j) => {
        assert.equal(keys.find(`P-${j}`), true);
        assert.equal(keys.value[0], expected, `P-${j} after P-${i}`);
      });
    });
    keys.value[0] = 42;
    assert.equal(keys.insert('P-0'), false);
    assert.equal(keys.find('P-0'), true);
    assert.equal(keys.value[0], 42);
    assert.deepEqual(new Map(keys.drain()), new Map(values.map((value, i) => [`P-${i}`, i === 0 ? 42 : value])));
  });

  it('keeps values exact as a page of values in step gets bytes, or words at once, and as a value returns to the step', () => {
    const keys = new NumberedKeys(true);
    const check = (expected: [string, number][]) => {
      for (const [key, value] of expected) {
        assert.equal(keys.find(key), true, key);
        assert.equal(keys.value[0], value, key);
      }
    };
    const put = (key: string, value: number) => {
      keys.value[0] = value;
      keys.insert(key);
    };
    put('A-0', 10);
    put('A-1', 11);
    assert.equal(keys.bytes, 512 + 256 + 2, 'presence bits and the class only');
    put('A-3', 20);
    check([['A-0', 10], ['A-1', 11], ['A-3', 20]]);
    put('A-3', 13);
    check([['A-0', 10], ['A-1', 11], ['A-3', 13]]);
    put('B-0', 7);
    put('B-1', 8);
    put('B-2', 900);
    check([['B-0', 7], ['B-1', 8], ['B-2', 900], ['A-3', 13]]);
    assert.deepEqual(new Map(keys.drain()), new Map([['A-0', 10], ['A-1', 11], ['A-3', 13], ['B-0', 7], ['B-1', 8], ['B-2', 900]]));
  });

  it('refuses sparse numbers past its budget, then holds nothing, and drains every key it held', () => {
    const keys = new NumberedKeys(true);
    const held = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      keys.value[0] = i + 1;
      keys.insert(`D-${i}`);
      held.set(`D-${i}`, i + 1);
    }
    let refusedAt = -1;
    for (let i = 0; i < 100_000 && refusedAt < 0; i++) {
      const text = `S-${i * 1_000_003}`;
      keys.value[0] = 7;
      if (keys.insert(text) === undefined) refusedAt = i;
      else held.set(text, 7);
    }
    assert.ok(refusedAt > 0, 'sparse numbers were refused');
    assert.equal(keys.refused, true);
    assert.ok(keys.bytes <= (4 << 20) + 16_896, `${keys.bytes} bytes held`);
    // Refused for good: even a key of an existing page is no longer taken.
    assert.equal(keys.insert('D-1000'), undefined);
    assert.equal(keys.find('D-1'), undefined);
    const drained = new Map(keys.drain());
    assert.deepEqual(drained, held);
    assert.equal(keys.size, 0);
    assert.equal(keys.bytes, 0);
  });

  it('refuses a class among too many that hold few keys each, but keeps many classes that hold many', () => {
    // GUIDs that end in a digit: a class per key, cheap in bytes, costly in lookups.
    const guids = new NumberedKeys(false);
    const held: string[] = [];
    let refusedAt = -1;
    for (let i = 0; i < 2000 && refusedAt < 0; i++) {
      const text = `${(i * 2654435761).toString(16).padStart(8, '0')}-9a0c-0305e82c330${i % 10}`;
      if (guids.insert(text) === undefined) refusedAt = i;
      else held.push(text);
    }
    assert.equal(refusedAt, 256, 'the class after the first 256 was refused');
    assert.equal(guids.refused, true);
    assert.ok(guids.bytes < 4 << 20, 'refused for the classes, not for the bytes');
    assert.deepEqual([...guids.drain()].map(([text]) => text).sort(), held.sort());

    // A thousand prefixes of eight keys each, read prefix by prefix.
    const branches = new NumberedKeys(false);
    for (let b = 0; b < 1000; b++) {
      for (let n = 0; n < 8; n++) assert.equal(branches.insert(`BR${b}-INV-${n}`), true, `BR${b}-INV-${n}`);
    }
    assert.equal(branches.refused, false);
    assert.equal(branches.size, 8000);
  });

  it('drains zero-padded keys with their padding', () => {
    const keys = new NumberedKeys(false);
    for (const text of ['INV-000123', 'INV-123', '0', '00']) keys.insert(text);
    assert.deepEqual([...keys.drain()].map(([text]) => text).sort(), ['0', '00', 'INV-000123', 'INV-123']);
  });
});
