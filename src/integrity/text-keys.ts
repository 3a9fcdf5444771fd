// Indexes keyed by key text, as the checks use them: numbered keys go to
// NumberedKeys, every other key to a KeyIndex of its 64-bit hash. A batch's
// keys can be prefetched first: the hashed ones are hashed once and their
// slots touched in a loop of their own (see BatchHashes), so that the
// lookups that follow find them in cache.

import { hashOut, runHash, type TextHash } from './hash.js';
import { KeyIndex } from './key-index.js';
import { NumberedKeys } from './numbered-keys.js';
import { sameText, SLICED_LENGTH } from './same-text.js';

/** The text of row `r` of a batch, or nothing for a row without one. */
export type TextOf = (r: number) => string | null | undefined;

/** What a reference check needs of its target's values. */
export interface KeySet {
  /**
   * Looks up each row's text of a batch at once: `found[r]` is 1 when it is
   * in the set, 0 when it is not or the row has none.
   */
  findRows(count: number, textOf: TextOf, found: Uint8Array): void;
  /** True when `text` is in the set. */
  find(text: string): boolean;
}

/**
 * The 64-bit hashes of the texts of a batch, worked out once, with each
 * one's slot in an index touched in a loop that does nothing else. The
 * lookups of a large index miss the caches nearly every time; issued back to
 * back, the misses overlap instead of waiting one by one between rows, and
 * the lookups then find the slots in cache.
 */
export class BatchHashes {
  private texts: (string | undefined)[] = [];
  /** The text of each row of the last fill: `texts`, or the caller's array after fillRows. */
  private rowTexts: readonly (string | undefined)[] = this.texts;
  /** The rows' texts that fill hashes, their rows, and whether each equals the one before. */
  private readonly hashedTexts: string[] = [];
  private hashedRows = new Int32Array(0);
  private same = new Uint8Array(0);
  /** The hashes (seeded) of the texts that differ from the one before, to touch. */
  private distinct = new Uint32Array(0);
  /** For each row with a text, the place of its hash in distinct. */
  private distinctOf = new Int32Array(0);
  /** 1 for a row hashed right after the row before it, with the same text. */
  private repeated = new Uint8Array(0);
  /** Whether the last fill was a fillRows that hashed every row on its own. */
  private byRow = false;
  /** Keeps the touching loop's loads from being optimized away. */
  touched = 0;

  /** `hash`: runHash for the indexes of a run, stableHash for the state file's table. */
  constructor(private readonly hash: TextHash) {}

  /**
   * Hashes the text of each row that `skip` does not pass over, touching
   * its slot in `index`; `seed` is xored into the high half first, as the
   * index stores it.
   */
  fill(count: number, textOf: TextOf, index: KeyIndex, seed = 0, skip?: (text: string) => boolean): void {
    this.reserve(count);
    this.byRow = false;
    const { texts, hashedTexts, hashedRows, same, distinctOf, repeated } = this;
    this.rowTexts = texts;
    texts.length = count;
    let hashedCount = 0;
    for (let r = 0; r < count; r++) {
      repeated[r] = 0;
      const text = textOf(r) ?? undefined;
      if (text === undefined || (skip !== undefined && skip(text))) {
        texts[r] = undefined;
        continue;
      }
      texts[r] = text;
      hashedRows[hashedCount] = r;
      hashedTexts[hashedCount++] = text;
    }
    // Stored by index, the length set only when it changes: setting it to 0
    // frees the array's backing store, and pushes then grew it anew for every
    // batch (GUID references: 140 against 170 ns a row).
    if (hashedTexts.length !== hashedCount) hashedTexts.length = hashedCount;
    // Children of one parent come together: the parent's text is hashed, and its slot touched, once.
    const distinct = this.hash.runs(hashedTexts, hashedTexts.length, this.distinct, same);
    let d = -1;
    for (let i = 0; i < hashedTexts.length; i++) {
      const r = hashedRows[i];
      if (same[i] === 0) d++;
      else if (hashedRows[i - 1] === r - 1) repeated[r] = 1;
      distinctOf[r] = d;
    }
    this.seedAndTouch(distinct, index, seed);
  }

  /**
   * As fill, for a batch whose texts are not expected to repeat from row to
   * row (its identities), one a row in `texts`, which must stay as they are
   * until the batch's lookups are done: each row is hashed on its own, with
   * no comparing and no copying of texts (about a third of fill's work on
   * GUIDs). A batch with a row that has no text goes through fill.
   */
  fillRows(texts: readonly (string | undefined)[], count: number, index: KeyIndex, seed = 0): void {
    for (let r = 0; r < count; r++) if (texts[r] === undefined) return this.fill(count, (row) => texts[row], index, seed);
    this.reserve(count);
    this.byRow = true;
    const { distinctOf, repeated } = this;
    this.rowTexts = texts;
    for (let r = 0; r < count; r++) distinctOf[r] = r;
    repeated.fill(0, 0, count);
    this.hash.many(texts as readonly string[], count, this.distinct);
    this.seedAndTouch(count, index, seed);
  }

  /** After a fillRows that hashed every row on its own: the hashes, row r's at 2r and 2r + 1 (high half first, seeded). */
  get rowHashes(): Uint32Array | undefined {
    return this.byRow ? this.distinct : undefined;
  }

  private reserve(count: number): void {
    if (this.distinctOf.length >= count) return;
    this.distinct = new Uint32Array(4 * count);
    this.distinctOf = new Int32Array(2 * count);
    this.repeated = new Uint8Array(2 * count);
    this.hashedRows = new Int32Array(2 * count);
    this.same = new Uint8Array(2 * count);
  }

  /** Xors `seed` into the high half of the first `count` hashes, as the index stores them, and touches their slots. */
  private seedAndTouch(count: number, index: KeyIndex, seed: number): void {
    const distinct = this.distinct;
    for (let d = 0; d < count; d++) distinct[2 * d] = (distinct[2 * d] ^ seed) >>> 0;
    this.touched |= index.touchAll(distinct, count);
  }

  /** True when the last fill hashed row `row` right after the row before it, and found their texts equal. */
  repeats(row: number): boolean {
    return this.repeated[row] === 1;
  }

  /**
   * Looks up the rows of the last fill: `found[r]` is 1 when `held` says so
   * of its hash, 0 for a row the fill passed over. A row that repeats the
   * row before takes that row's answer.
   */
  lookUp(count: number, found: Uint8Array, held: (hi: number, lo: number) => boolean): void {
    const { rowTexts, repeated, distinctOf, distinct } = this;
    for (let r = 0; r < count; r++) {
      if (rowTexts[r] === undefined) found[r] = 0;
      else if (repeated[r] === 1) found[r] = found[r - 1];
      else {
        const d = distinctOf[r];
        found[r] = held(distinct[2 * d], distinct[2 * d + 1]) ? 1 : 0;
      }
    }
  }

  /** True when the last fill hashed `text` as row `row` (normally the very string it filled, so no characters are compared). */
  filled(text: string, row: number): boolean {
    return row >= 0 && this.rowTexts[row] === text;
  }

  /**
   * Puts the (seeded) hash of `text` in hashOut: from the last fill when it
   * hashed `text` as row `row`, else hashed now with `seed`.
   */
  recall(text: string, row: number, seed = 0): void {
    if (this.filled(text, row)) {
      const d = this.distinctOf[row];
      hashOut.hi = this.distinct[2 * d];
      hashOut.lo = this.distinct[2 * d + 1];
      return;
    }
    this.hash.one(text);
    hashOut.hi = (hashOut.hi ^ seed) >>> 0;
  }
}

/**
 * A set of key texts (valueWords 0), or a map of key text to a 32-bit word
 * (valueWords 1), with `value` working as in KeyIndex.
 */
export class TextKeyIndex implements KeySet {
  readonly value = new Uint32Array(1);
  private readonly numbered: NumberedKeys;
  /** Made at the first key that is not numbered. */
  private hashed: KeyIndex | undefined;
  /** Whether `hashed` was sized for every expected key. */
  private hashedSized = false;
  private readonly batch = new BatchHashes(runHash);
  private readonly holds: (text: string) => boolean;

  /** `expectedKeys` sizes the hash index when the keys go by hash. */
  constructor(
    private readonly valueWords: 0 | 1,
    private readonly expectedKeys = 0,
  ) {
    this.numbered = new NumberedKeys(valueWords === 1);
    this.holds = (text) => this.numbered.holds(text);
  }

  get size(): number {
    return this.numbered.size + (this.hashed?.size ?? 0);
  }

  /** Keys held by their number (none once sparse numbers moved them to the hash index). */
  get numberedSize(): number {
    return this.numbered.size;
  }

  /** Bytes held by the numbered pages and the hash index. */
  get bytes(): number {
    return this.numbered.bytes + (this.hashed?.bytes ?? 0);
  }

  findRows(count: number, textOf: TextOf, found: Uint8Array): void {
    const hashed = this.hashed;
    if (hashed !== undefined && this.numbered.size === 0) {
      // Every key held goes by hash: the rows are answered from the prefetch's hashes alone.
      this.batch.fill(count, textOf, hashed);
      this.batch.lookUp(count, found, this.findHash);
      return;
    }
    // The batch's texts that are not numbered are hashed and touched first (numbered ones need no prefetch).
    if (hashed !== undefined) this.batch.fill(count, textOf, hashed, 0, this.holds);
    let previous: string | undefined;
    for (let r = 0; r < count; r++) {
      const text = textOf(r) ?? undefined;
      if (text === undefined) {
        found[r] = 0;
        previous = undefined;
        continue;
      }
      // Children of one parent come together: a repeat of the row before is answered by its lookup.
      const repeat = text.length < SLICED_LENGTH ? sameText(text, previous) : hashed !== undefined && this.batch.repeats(r);
      found[r] = repeat ? found[r - 1] : this.find(text, r) ? 1 : 0;
      previous = text;
    }
  }

  private readonly findHash = (hi: number, lo: number): boolean => this.hashed!.find(hi, lo);

  /** Hashes and touches a batch's identities that go by hash, one a row in `texts` (see BatchHashes.fillRows). */
  private prefetchRows(texts: readonly (string | undefined)[], count: number): void {
    if (!this.hashed) return;
    if (this.allByHash) this.batch.fillRows(texts, count, this.hashed);
    else this.batch.fill(count, (r) => texts[r], this.hashed, 0, this.holds);
  }

  /**
   * insertIfAbsent for a batch of identities, one a row in `texts` (rows
   * without one are passed over), row r with the value `values[r]`, in row
   * order: a row whose key was already held gets `present[r] = 1` and the
   * key's value in `values[r]`, else `present[r] = 0`.
   */
  insertRowsIfAbsent(texts: readonly (string | undefined)[], count: number, values: Uint32Array, present: Uint8Array): void {
    this.byRows(texts, count, values, present, true);
  }

  /** find for a batch of identities, as insertRowsIfAbsent: `present[r] = 1` and the key's value in `values[r]` when row r's key is held. */
  lookUpRows(texts: readonly (string | undefined)[], count: number, values: Uint32Array, present: Uint8Array): void {
    this.byRows(texts, count, values, present, false);
  }

  private byRows(texts: readonly (string | undefined)[], count: number, values: Uint32Array, present: Uint8Array, insert: boolean): void {
    this.prefetchRows(texts, count);
    const hashed = this.hashed;
    const hashes = this.batch.rowHashes;
    // Once every key goes by hash, the rows take their hashes straight from
    // the prefetch: going through put or find for each row cost about as much
    // again as the index operation (10M GUIDs: 176 against 95 ns a key).
    if (hashed !== undefined && hashes !== undefined && this.numbered.refused && this.numbered.size === 0 && this.hashedSized) {
      if (insert) return hashed.insertAllIfAbsent(hashes, count, values, present);
      for (let r = 0; r < count; r++) {
        const held = hashed.find(hashes[2 * r], hashes[2 * r + 1]);
        present[r] = held ? 1 : 0;
        if (held) values[r] = hashed.value[0];
      }
      return;
    }
    for (let r = 0; r < count; r++) {
      const text = texts[r];
      present[r] = 0;
      if (text === undefined) continue;
      this.value[0] = values[r];
      const held = insert ? !this.put(text, r, false) : this.find(text, r);
      present[r] = held ? 1 : 0;
      if (held) values[r] = this.value[0];
    }
  }

  /** Whether no key is held by number (none yet, or numbers refused): then every key goes by hash and none is skipped. */
  private get allByHash(): boolean {
    return this.numbered.size === 0 || this.numbered.refused;
  }

  find(text: string, row = -1): boolean {
    const numbered = this.numbered.find(text);
    if (numbered !== undefined) {
      this.value[0] = this.numbered.value[0];
      return numbered;
    }
    if (!this.hashed) return false;
    this.batch.recall(text, row);
    const found = this.hashed.find(hashOut.hi, hashOut.lo);
    this.value[0] = this.hashed.value[0];
    return found;
  }

  /** Adds the key with `value`, or overwrites a present key's value; true when the key was new. */
  insert(text: string, row = -1): boolean {
    return this.put(text, row, true);
  }

  /** Adds the key with `value` when absent (true); when present, loads its value and returns false. */
  insertIfAbsent(text: string, row = -1): boolean {
    return this.put(text, row, false);
  }

  private put(text: string, row: number, overwrite: boolean): boolean {
    const numbered = this.numbered;
    numbered.value[0] = this.value[0];
    const added = overwrite ? numbered.insert(text) : numbered.insertIfAbsent(text);
    if (added !== undefined) {
      this.value[0] = numbered.value[0];
      // A page whose values turned to words may have spent the budget: then every key moves to the hash index now.
      if (numbered.refused) this.hashIndex();
      return added;
    }
    const hashed = this.hashIndex();
    this.batch.recall(text, row);
    hashed.value[0] = this.value[0];
    const inserted = overwrite ? hashed.insert(hashOut.hi, hashOut.lo) : hashed.insertIfAbsent(hashOut.hi, hashOut.lo);
    this.value[0] = hashed.value[0];
    return inserted;
  }

  /**
   * The hash index, made when a key first needs it. It is sized for every
   * expected key when the keys go by hash from the first, or once sparse
   * numbers send every key there: then it is made anew if it was not, and
   * the numbered keys move over, once. A stray key among numbered ones gets
   * an index that starts small and grows.
   */
  private hashIndex(): KeyIndex {
    const numbered = this.numbered;
    const allByHash = this.allByHash;
    if (this.hashed === undefined || (allByHash && !this.hashedSized)) {
      const index = new KeyIndex(this.valueWords, allByHash ? this.expectedKeys : 0);
      for (const entry of this.hashed?.entries() ?? []) {
        index.value[0] = entry[2] ?? 0;
        index.insert(entry[0], entry[1]);
      }
      this.hashed = index;
      this.hashedSized = allByHash;
    }
    if (numbered.refused && numbered.size > 0) {
      for (const [text, word] of numbered.drain()) {
        runHash.one(text);
        this.hashed.value[0] = word;
        this.hashed.insert(hashOut.hi, hashOut.lo);
      }
    }
    return this.hashed;
  }
}
