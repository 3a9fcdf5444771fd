// A compact set or map keyed by 64-bit hashes: open addressing with linear
// probing over one Uint32Array per shard, each slot holding the hash halves
// and `valueWords` 32-bit words. Nothing per key lives on the JS heap.
//
// Size per key: a slot is 8 + 4 * valueWords bytes. A shard grows past its
// packing's maximum load (0.85; 0.92 for the change state, see PACKING) by
// the largest factor that keeps the load, right after a growth step, high
// enough for at most 22.5 bytes per key: at 0.85, x2 for 8-byte slots
// (sets), x1.59 for 12-byte slots (a line position), x1.2 for 16-byte
// slots. Fewer, larger steps matter: every step rehashes the shard, and
// that work dominated inserting. Sharding by the top hash bits means a step
// copies one shard (1/256 of the keys), never the whole index, so the peak
// during growth stays close to the steady size. Better still, an
// index is sized up front when its key count can be estimated (the inputs'
// size, a state file's entry count), and then usually never grows.
//
// A key can carry a mark. The top 8 bits of a key's high half choose its
// shard, so every key of a shard shares them and a slot stores the other 24;
// the top bit of that word is free for the mark, at no cost in size.
//
// Keys are the hashes, not the texts: two different texts with the same
// 64-bit hash count as one key. For n keys the chance that any pair collides
// is about n^2 / 2^65: 2.7e-6 at ten million keys. ARCHITECTURE.md explains
// why that risk is taken instead of keeping every key's text.

const SHARD_BITS = 8;
const SHARDS = 1 << SHARD_BITS;
const INITIAL_SLOTS = 16;
/**
 * How full a shard is kept. `presized`: the load of an index sized up front,
 * at the expected key count; `max`: a shard grows past it.
 *
 * Normal: room for 13% more keys than expected before a growth step, which
 * would cost a third more memory at once; right at the estimate a key costs
 * 10.7, 16 or 21.3 bytes.
 *
 * Tight, for the change state: it holds every identity of the run and of the
 * previous state and is the run's duplicate index too, the largest index by
 * far. 16-byte slots at 0.85 cost 18.8 bytes a key, with room for 8% more
 * keys. Linear probing then takes more steps for a key that is not there
 * (about 23 slots on average, 6 cache lines, against 8 at 0.75), and a
 * 12M-identity state fits issue #4's 400 MiB.
 */
const PACKING = {
  normal: { presized: 0.75, max: 0.85 },
  tight: { presized: 0.85, max: 0.92 },
} as const;
export type Packing = keyof typeof PACKING;
const MAX_BYTES_PER_KEY = 22.5;
const TWO_32 = 4294967296;
/** The bits of a key's high half that a slot stores; the shard implies the rest. */
const STORED_HI = 0xffffffff >>> SHARD_BITS;
const MARK = 0x80000000;

const SHARD_SHIFT = 32 - SHARD_BITS;

/** The slot of a shard of `capacity` slots where the probe sequence of a key with low half `lo` starts. */
function homeSlot(capacity: number, lo: number): number {
  // Fibonacci scrambling first, so keys that are not hashes (tests, counters) spread too.
  return Math.floor(((Math.imul(lo, 0x9e3779b1) >>> 0) * capacity) / TWO_32);
}

interface Shard {
  slots: Uint32Array;
  capacity: number;
  size: number;
}

export class KeyIndex {
  private readonly stride: number;
  private readonly growth: number;
  private readonly shards: Shard[] = [];
  /** A shard grows past this load. */
  private readonly maxLoad: number;
  size = 0;
  /** Words of the value found by the last successful `find`, or written by `insert`. */
  readonly value: Uint32Array;
  /** Where the last `find`, `insert` or `insertIfAbsent` left off: the key's slot. */
  private lastShard: Shard | undefined;
  private lastAt = 0;

  /** `expectedKeys`, when known (a state file's entry count), sizes the shards up front, sparing the growth steps. */
  constructor(
    readonly valueWords = 0,
    expectedKeys = 0,
    packing: Packing = 'normal',
  ) {
    this.stride = 2 + valueWords;
    const { presized, max } = PACKING[packing];
    this.maxLoad = max;
    this.growth = Math.min(2, (this.maxLoad * MAX_BYTES_PER_KEY) / (4 * this.stride));
    this.value = new Uint32Array(Math.max(1, valueWords));
    const capacity = Math.max(INITIAL_SLOTS, Math.ceil(expectedKeys / SHARDS / presized));
    for (let s = 0; s < SHARDS; s++) {
      this.shards.push({ slots: new Uint32Array(capacity * this.stride), capacity, size: 0 });
    }
  }

  /** Bytes held by the slot arrays. */
  get bytes(): number {
    let total = 0;
    for (const shard of this.shards) total += shard.slots.byteLength;
    return total;
  }

  /**
   * Slot offset of the key in its shard, or of the empty slot where it would
   * go (then `found` is false). A zero low half marks an empty slot, so keys
   * with a zero low half are stored with it set to 1: a 2^-32 bias, no more.
   */
  private locate(shard: Shard, hi: number, lo: number): number {
    hi &= STORED_HI;
    const stride = this.stride;
    const slots = shard.slots;
    let i = homeSlot(shard.capacity, lo);
    for (;;) {
      const at = i * stride;
      const slotLo = slots[at + 1];
      if (slotLo === 0) {
        this.found = false;
        return at;
      }
      if (slotLo === lo && (slots[at] & STORED_HI) === hi) {
        this.found = true;
        return at;
      }
      if (++i === shard.capacity) i = 0;
    }
  }

  private found = false;

  /** True when the key is present; its value is then in `this.value`. */
  find(hi: number, lo: number): boolean {
    lo = lo >>> 0 || 1;
    const shard = this.shards[hi >>> SHARD_SHIFT];
    const at = this.locate(shard, hi, lo);
    this.lastShard = shard;
    this.lastAt = at;
    if (this.found) for (let w = 0; w < this.valueWords; w++) this.value[w] = shard.slots[at + 2 + w];
    return this.found;
  }

  /**
   * Adds the key with `this.value` as its value, or overwrites the value of
   * a present key. Returns true when the key was new.
   */
  insert(hi: number, lo: number): boolean {
    return this.put(hi, lo, true);
  }

  /**
   * Adds the key with `this.value` as its value when absent and returns
   * true; when present, leaves it, loads its value into `this.value` and
   * returns false. One probe sequence instead of `find` then `insert`.
   */
  insertIfAbsent(hi: number, lo: number): boolean {
    return this.put(hi, lo, false);
  }

  /**
   * insertIfAbsent for each of `count` keys (`hashes` holds them as hi, lo
   * pairs) of an index with one value word, in order: key k with the value
   * `values[k]`; a key already present gets `present[k] = 1` and its value
   * in `values[k]`, else `present[k] = 0`. One call a batch spares each key
   * a call's stores of the last slot and the value's copies (10M keys after
   * the touching loop: 66-73 against 77-92 ns a key).
   */
  insertAllIfAbsent(hashes: Uint32Array, count: number, values: Uint32Array, present: Uint8Array): void {
    if (this.valueWords !== 1) throw new Error('insertAllIfAbsent needs an index with one value word');
    for (let k = 0; k < count; k++) {
      const hi = hashes[2 * k] >>> 0;
      const lo = hashes[2 * k + 1] >>> 0 || 1;
      const shard = this.shards[hi >>> SHARD_SHIFT];
      if (shard.size + 1 > shard.capacity * this.maxLoad) this.grow(shard);
      const at = this.locate(shard, hi, lo);
      const slots = shard.slots;
      if (this.found) {
        present[k] = 1;
        values[k] = slots[at + 2];
        continue;
      }
      present[k] = 0;
      slots[at] = hi & STORED_HI;
      slots[at + 1] = lo;
      slots[at + 2] = values[k];
      shard.size++;
      this.size++;
    }
  }

  /** One probe for both insert forms; a present key's value is overwritten or loaded. */
  private put(hi: number, lo: number, overwrite: boolean): boolean {
    lo = lo >>> 0 || 1;
    hi = hi >>> 0;
    const shard = this.shards[hi >>> SHARD_SHIFT];
    if (shard.size + 1 > shard.capacity * this.maxLoad) this.grow(shard);
    const at = this.locate(shard, hi, lo);
    this.lastShard = shard;
    this.lastAt = at;
    const slots = shard.slots;
    if (this.found) {
      if (!overwrite) {
        for (let w = 0; w < this.valueWords; w++) this.value[w] = slots[at + 2 + w];
        return false;
      }
      for (let w = 0; w < this.valueWords; w++) slots[at + 2 + w] = this.value[w];
      return false;
    }
    slots[at] = hi & STORED_HI;
    slots[at + 1] = lo;
    for (let w = 0; w < this.valueWords; w++) slots[at + 2 + w] = this.value[w];
    shard.size++;
    this.size++;
    return true;
  }

  /**
   * Reads the first slot where each of `count` keys (`hashes` holds them as
   * hi, lo pairs) may be, bringing it into cache; the value returned means
   * nothing. The keys are taken shard by shard, so each group's loop reads
   * one array: a loop that fetches another shard's array for every key
   * keeps fewer loads in flight (random reads over 151 MiB in 256 arrays:
   * 58-62 ns a key taken shard by shard, 67-80 ns fetching the shard's
   * array for each key).
   */
  touchAll(hashes: Uint32Array, count: number): number {
    const ends = this.groupEnds;
    ends.fill(0);
    for (let k = 0; k < count; k++) ends[(hashes[2 * k] >>> SHARD_SHIFT) + 1]++;
    for (let s = 0; s < SHARDS; s++) ends[s + 1] += ends[s];
    if (this.order.length < count) this.order = new Uint32Array(2 * count);
    const order = this.order;
    // Placing each key moves its group's start on: ends[s] is then the end of group s.
    for (let k = 0; k < count; k++) order[ends[hashes[2 * k] >>> SHARD_SHIFT]++] = k;
    const stride = this.stride;
    let touched = 0;
    let i = 0;
    for (let s = 0; s < SHARDS; s++) {
      const end = ends[s];
      if (i === end) continue;
      const { slots, capacity } = this.shards[s];
      for (; i < end; i++) touched |= slots[homeSlot(capacity, hashes[2 * order[i] + 1] >>> 0 || 1) * stride + 1];
    }
    return touched;
  }

  /** touchAll's scratch: where each shard's group ends, and the keys in group order. */
  private readonly groupEnds = new Uint32Array(SHARDS + 1);
  private order = new Uint32Array(0);

  /** True when the key last found or inserted carries the mark. */
  get marked(): boolean {
    return this.found && (this.lastShard!.slots[this.lastAt] & MARK) !== 0;
  }

  /** Marks the key last found or inserted (it must be present). */
  mark(): void {
    this.lastShard!.slots[this.lastAt] |= MARK;
  }

  private grow(shard: Shard): void {
    const stride = this.stride;
    const old = shard.slots;
    const oldCapacity = shard.capacity;
    shard.capacity = Math.ceil(oldCapacity * this.growth) + 1;
    shard.slots = new Uint32Array(shard.capacity * stride);
    for (let i = 0; i < oldCapacity; i++) {
      const from = i * stride;
      if (old[from + 1] === 0) continue;
      const at = this.locate(shard, old[from], old[from + 1]);
      shard.slots.set(old.subarray(from, from + stride), at);
    }
  }

  /**
   * Every entry as (hi, lo, value words), in no particular order, in one
   * array reused from entry to entry; marked entries only or unmarked only
   * when asked.
   */
  *entries(only?: 'marked' | 'unmarked'): Generator<Uint32Array> {
    const stride = this.stride;
    const entry = new Uint32Array(stride);
    for (const [index, shard] of this.shards.entries()) {
      const top = index << SHARD_SHIFT;
      const slots = shard.slots;
      for (let at = 0; at < slots.length; at += stride) {
        if (slots[at + 1] === 0) continue;
        const marked = (slots[at] & MARK) !== 0;
        if ((only === 'marked' && !marked) || (only === 'unmarked' && marked)) continue;
        entry.set(slots.subarray(at, at + stride));
        entry[0] = (top | (slots[at] & STORED_HI)) >>> 0;
        yield entry;
      }
    }
  }
}
