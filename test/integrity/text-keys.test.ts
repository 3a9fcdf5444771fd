import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextKeyIndex } from '../../src/integrity/text-keys.js';
import { seeded } from '../helpers.js';

/** A deterministic stream of keys: numbered runs, zero-padded ones, and keys that do not end in digits. */
function keyOf(i: number, random: () => number): string {
  const pick = random();
  if (pick < 0.4) return `L-${Math.floor(random() * 20_000)}`;
  if (pick < 0.5) return `INV-${String(Math.floor(random() * 5000)).padStart(6, '0')}`;
  if (pick < 0.8) return `${Math.floor(random() * 0xffffffff).toString(16)}-${Math.floor(random() * 1e9).toString(36)}g`;
  return `Company ${String.fromCharCode(65 + (i % 26))}${Math.floor(random() * 3000)}x`;
}

describe('TextKeyIndex', () => {
  // Past 30,000 operations, sparse numbers exhaust the numbered pages' budget,
  // or GUIDs that end in digits make a class each, until the classes are too many.
  const shifts = {
    none: undefined,
    'sparse numbers': (random: () => number) => `S-${Math.floor(random() * 1e12)}`,
    'classes of one key each': (random: () => number) => `${Math.floor(random() * 0xffffffff).toString(16)}-4f89-11d3-${Math.floor(random() * 10)}`,
  };
  for (const [name, shifted] of Object.entries(shifts)) {
    const sparse = shifted !== undefined;
    it(`agrees with a Map over mixed keys${sparse ? `, when ${name} move the numbered keys to the hash index` : ''}`, () => {
      const index = new TextKeyIndex(1);
      const model = new Map<string, number>();
      const random = seeded(name.length);
      for (let i = 0; i < 60_000; i++) {
        const text = shifted && i > 30_000 && i % 2 === 0 ? shifted(random) : keyOf(i, random);
        const op = random();
        if (op < 0.4) {
          index.value[0] = i + 1;
          assert.equal(index.insertIfAbsent(text), !model.has(text), text);
          if (!model.has(text)) model.set(text, i + 1);
          assert.equal(index.value[0], model.get(text), text);
        } else if (op < 0.7) {
          index.value[0] = i + 1;
          assert.equal(index.insert(text), !model.has(text), text);
          model.set(text, i + 1);
        } else {
          assert.equal(index.find(text), model.has(text), text);
          if (model.has(text)) assert.equal(index.value[0], model.get(text), text);
        }
      }
      assert.equal(index.size, model.size);
      for (const [text, value] of model) {
        assert.equal(index.find(text), true, text);
        assert.equal(index.value[0], value, text);
      }
      if (sparse) {
        assert.equal(index.numberedSize, 0, 'the numbered keys moved to the hash index');
        assert.ok(index.bytes / index.size < 24, `${index.bytes / index.size} bytes a key`);
      } else {
        assert.ok(index.numberedSize > 10_000, `${index.numberedSize} keys held by number`);
      }
    });
  }

  it('moves every key to the hash index at once when a page whose values turn to words spends the budget', () => {
    // Pages of two keys with values that follow the numbers, up to just under the 4 MiB allowed to pages.
    const index = new TextKeyIndex(1);
    const model = new Map<string, number>();
    const add = (text: string, value: number) => {
      index.value[0] = value;
      index.insert(text);
      model.set(text, value);
    };
    for (let page = 0; index.bytes + 4608 + 300 <= 4 << 20; page++) {
      add(`K-${page * 4096}`, page * 4096);
      add(`K-${page * 4096 + 1}`, page * 4096 + 1);
    }
    assert.ok(index.numberedSize > 0);
    // A value far from its number's place turns page 0 to words, which passes the budget.
    add('K-2', 4_000_000_000);
    assert.equal(index.numberedSize, 0, 'the numbered keys moved to the hash index');
    for (const [text, value] of model) {
      assert.equal(index.find(text), true, text);
      assert.equal(index.value[0], value, text);
    }
  });

  it('sizes its hash index for the expected keys only when they go by hash from the first', () => {
    const numbered = new TextKeyIndex(1, 1_000_000);
    for (let i = 0; i < 10_000; i++) numbered.insert(`L-${i}`);
    numbered.insert('L-orphan');
    assert.ok(numbered.bytes < 1 << 20, `${numbered.bytes} bytes for one stray key among numbered ones`);
    const hashed = new TextKeyIndex(1, 1_000_000);
    hashed.insert('L-orphan');
    assert.ok(hashed.bytes >= 12_000_000, `${hashed.bytes} bytes, sized up front`);
    // GUIDs: the first ends in a digit and is numbered, the second is not; the sparse numbers then send every key by hash.
    const guids = new TextKeyIndex(1, 1_000_000);
    const random = seeded(11);
    const guid = () => Array.from({ length: 4 }, () => Math.floor(random() * 0xffffffff).toString(16).padStart(8, '0')).join('-');
    guids.insert('3f2504e0-4f89-11d3-9a0c-0305e82c3301');
    guids.insert('3f2504e0-4f89-11d3-9a0c-0305e82c330f');
    for (let i = 0; i < 5000; i++) guids.insert(guid());
    assert.equal(guids.numberedSize, 0);
    assert.ok(guids.bytes >= 12_000_000, `${guids.bytes} bytes, sized up front once the numbers turned out sparse`);
    assert.equal(guids.find('3f2504e0-4f89-11d3-9a0c-0305e82c3301'), true);
    assert.equal(guids.find('3f2504e0-4f89-11d3-9a0c-0305e82c330f'), true);
  });

  it('finds a batch’s keys at once, and a text given for a row of it all the same', () => {
    const index = new TextKeyIndex(0);
    for (const text of ['ACME', 'Globex', 'L-1', 'a1b2-c3']) index.insert(text);
    const batch = ['Globex', 'L-1', 'Initech', 'a1b2-c3', undefined];
    const found = new Uint8Array(batch.length);
    index.findRows(batch.length, (r) => batch[r], found);
    assert.deepEqual([...found], [1, 1, 0, 1, 0]);
    // Row 0 was prefetched as 'Globex': another text given for it is hashed afresh.
    assert.equal(index.find('ACME', 0), true);
    assert.equal(index.find('Umbrella', 0), false);
  });

  it('finds a batch’s identities prefetched a row each, and a text that is not the row’s all the same', () => {
    const guid = (i: number) => `3f2504e0-4f89-11d3-9a0c-${i.toString(16).padStart(11, '0')}f`;
    for (const withoutText of [false, true]) {
      const index = new TextKeyIndex(1);
      for (let i = 0; i < 4; i++) {
        index.value[0] = 100 + i;
        index.insert(guid(i));
      }
      // Slices of one text, as cells cut from a file are; a repeat in a row is hashed on its own.
      const file = [guid(2), guid(7), guid(7), guid(0), guid(3)].join(',');
      const batch: (string | undefined)[] = file.split(',').map((_, r) => file.slice(37 * r, 37 * r + 36));
      if (withoutText) batch.push(undefined);
      const values = new Uint32Array(batch.length);
      const present = new Uint8Array(batch.length);
      index.lookUpRows(batch, batch.length, values, present);
      assert.deepEqual(
        batch.map((_, r) => (present[r] === 1 ? values[r] : false)),
        [102, false, false, 100, 103, ...(withoutText ? [false] : [])],
      );
      // Row 0 was prefetched as guid(2): another text given for it is hashed afresh.
      assert.equal(index.find(guid(1), 0), true);
      assert.equal(index.value[0], 101);
      assert.equal(index.find(guid(9), 0), false);
      // Inserting by row takes the prefetched hash: the key is found afterwards by text alone.
      index.value[0] = 7;
      assert.equal(index.insertIfAbsent(batch[1]!, 1), true);
      assert.equal(index.find(guid(7)), true);
      assert.equal(index.value[0], 7);
    }
  });

  it('finds the rows of a run of equal texts, as children name one parent', () => {
    const index = new TextKeyIndex(0);
    for (const text of ['ACME', 'Globex']) index.insert(text);
    // Equal texts that are different strings, as cells cut from a file are.
    const batch = ['ACME', 'ACME', 'Initech', 'Initech', null, 'Initech', 'Globex', 'Globex'].map((text) => (text === null ? null : `${text} `.slice(0, -1)));
    const found = new Uint8Array(batch.length);
    index.findRows(batch.length, (r) => batch[r], found);
    assert.deepEqual([...found], [1, 1, 0, 0, 0, 0, 1, 1]);
  });

  // Batches as the checks give them: identities a row each, references by row, with runs of one parent and rows without a key.
  for (const [name, shifted] of Object.entries(shifts)) {
    it(`agrees with a Map a batch at a time${shifted ? `, when ${name} move the numbered keys to the hash index` : ''}`, () => {
      const index = new TextKeyIndex(1);
      const model = new Map<string, number>();
      const random = seeded(name.length + 7);
      const values = new Uint32Array(400);
      const present = new Uint8Array(400);
      const found = new Uint8Array(400);
      let i = 0;
      while (i < 90_000) {
        const count = 1 + Math.floor(random() * 300);
        // Most batches have a key on every row, which lets the identities go straight by their hashes.
        const holes = random() < 0.3;
        const texts: (string | undefined)[] = [];
        for (let r = 0; r < count; r++, i++) {
          const pick = random();
          const text = shifted && i > 30_000 && i % 2 === 0 ? shifted(random) : keyOf(i, random);
          // Slices of a longer text, as cells are; a repeat of the row before is a different string.
          texts.push(holes && pick < 0.05 ? undefined : pick < 0.3 && r > 0 && texts[r - 1] !== undefined ? `${texts[r - 1]}|`.slice(0, -1) : `${text}|`.slice(0, -1));
        }
        const op = random();
        for (let r = 0; r < count; r++) values[r] = i + r;
        if (op < 0.7) {
          const expected = texts.map((text, r) => {
            if (text === undefined) return undefined;
            if (model.has(text)) return model.get(text);
            model.set(text, i + r);
            return undefined;
          });
          index.insertRowsIfAbsent(texts, count, values, present);
          assert.deepEqual(texts.map((_, r) => (present[r] === 1 ? values[r] : undefined)), expected);
        } else if (op < 0.85) {
          index.lookUpRows(texts, count, values, present);
          assert.deepEqual(
            texts.map((_, r) => (present[r] === 1 ? values[r] : undefined)),
            texts.map((text) => (text === undefined ? undefined : model.get(text))),
          );
        } else {
          index.findRows(count, (r) => texts[r], found);
          assert.deepEqual([...found.subarray(0, count)], texts.map((text) => (text !== undefined && model.has(text) ? 1 : 0)));
        }
      }
      assert.equal(index.size, model.size);
      if (shifted) assert.equal(index.numberedSize, 0, 'the numbered keys moved to the hash index');
    });
  }
});
