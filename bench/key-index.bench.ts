// The hash index of the cross-record checks at issue #4's scale: ten million
// GUID keys, a batch of them at a time, as the checks take the keys of
// invoice lines. Each batch is hashed and its slots prefetched first
// (BatchHashes, as the checks do), or each key is hashed and inserted on its
// own; then two million parents are looked up by children that come five to
// a parent. Keys are slices of one text per batch, as cells cut from a file
// are; the ten million are 256 batch texts reused with a seed per batch, so
// every batch's keys hash apart without holding ten million strings.
// Checked first: every key goes in once, a second pass finds each one at its
// first position, and every child finds its parent.
import { hashOut, runHash } from '../src/integrity/hash.js';
import { KeyIndex } from '../src/integrity/key-index.js';
import { BatchHashes } from '../src/integrity/text-keys.js';
import { check, runAndReport } from './lib/micro.js';
import { Bench } from 'tinybench';

const KEYS = 10_000_000;
/** About the records of one 120 KiB chunk of narrow rows. */
const BATCH = 1100;
const BATCHES = Math.ceil(KEYS / BATCH);
const CHILDREN = 5;
const PARENTS = KEYS / CHILDREN;

let state = 0x2545f491;
function word(): string {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0).toString(16).padStart(8, '0');
}

/** A batch of GUID texts sliced out of one string. */
function guidBatch(): string[] {
  const parts: string[] = [];
  for (let i = 0; i < BATCH; i++) {
    const w = word() + word() + word() + word();
    parts.push(`${w.slice(0, 8)}-${w.slice(8, 12)}-${w.slice(12, 16)}-${w.slice(16, 20)}-${w.slice(20)}`);
  }
  const text = parts.join(',');
  return parts.map((_, i) => text.slice(i * 37, i * 37 + 36));
}

const pool = Array.from({ length: 256 }, guidBatch);
const seedOf = (b: number): number => Math.imul(b + 1, 0x9e3779b1);
const batchSize = (b: number): number => Math.min(BATCH, KEYS - b * BATCH);
const batches = new BatchHashes(runHash);

/** Inserts every key, the first position kept; `prefetch` as the checks do, else hashing key by key. */
function fillDuplicateIndex(prefetch: boolean): KeyIndex {
  const index = new KeyIndex(1, KEYS);
  let position = 0;
  for (let b = 0; b < BATCHES; b++) {
    const texts = pool[b % pool.length];
    const seed = seedOf(b);
    const count = batchSize(b);
    if (prefetch) batches.fillRows(texts, count, index, seed);
    for (let r = 0; r < count; r++) {
      if (prefetch) batches.recall(texts[r], r, seed);
      else {
        runHash.one(texts[r]);
        hashOut.hi ^= seed;
      }
      index.value[0] = position++;
      index.insertIfAbsent(hashOut.hi, hashOut.lo);
    }
  }
  return index;
}

const parentTexts = Array.from({ length: Math.ceil(PARENTS / BATCH) }, guidBatch).flat().slice(0, PARENTS);
const parents = new KeyIndex(0, PARENTS);
for (const text of parentTexts) {
  runHash.one(text);
  parents.insert(hashOut.hi, hashOut.lo);
}

/** Looks up the parent of each of KEYS children, a batch at a time, five children a parent. */
function findParents(): number {
  let found = 0;
  const refs: string[] = [];
  for (let start = 0; start < KEYS; start += BATCH) {
    refs.length = 0;
    for (let i = start; i < Math.min(start + BATCH, KEYS); i++) refs.push(parentTexts[Math.floor(i / CHILDREN)]);
    batches.fill(refs.length, (r) => refs[r], parents);
    for (let r = 0; r < refs.length; r++) {
      batches.recall(refs[r], r);
      if (parents.find(hashOut.hi, hashOut.lo)) found++;
    }
  }
  return found;
}

const filled = fillDuplicateIndex(true);
check(filled.size === KEYS, 'every GUID key goes in once');
let position = 0;
let firstPositions = true;
for (let b = 0; b < BATCHES; b++) {
  const texts = pool[b % pool.length];
  for (let r = 0; r < batchSize(b); r++) {
    runHash.one(texts[r]);
    firstPositions &&= filled.find((hashOut.hi ^ seedOf(b)) >>> 0, hashOut.lo) && filled.value[0] === position;
    position++;
  }
}
check(firstPositions, 'a second pass finds every key at its first position');
check(findParents() === KEYS, 'every child finds its parent');

await runAndReport(
  `hash index, GUID keys (${(filled.bytes / KEYS).toFixed(1)} bytes a key in the duplicate index)`,
  new Bench({ time: 1, iterations: 3, warmupIterations: 1 })
    .add('duplicate index, batch hashed and prefetched', () => void fillDuplicateIndex(true))
    .add('duplicate index, key by key', () => void fillDuplicateIndex(false))
    .add(`parent set of ${PARENTS.toLocaleString('en-US')}, ${CHILDREN} children a parent`, () => void findParents()),
  KEYS,
);
