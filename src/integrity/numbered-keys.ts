// Keys that end in a decimal number ("INV-000123", "L-42", "1800000123"),
// held by that number instead of by a hash. ERP document and line numbers
// come in runs, so neighbouring keys share a page of 4,096 numbers: a run of
// keys read in order stays in the same few cache lines, where hashed keys
// land on a random slot of a large table each time (a cache miss, about 200
// ns here). A page holds a presence bit per number: 0.125 bytes per key when
// the numbers are dense.
//
// An index with a value (a line position) also keeps a value per number.
// Values mostly follow the numbers too (the lines of a file read in order),
// so a page keeps none of its own while every value is the page's base plus
// the number's place in the page: nothing but the presence bits. The first
// value off that line gives the page a byte per number, each value's
// distance from it, 1.125 bytes a key in all; the first value too far off
// for a byte turns the page into a 32-bit word per number, 4.125 bytes a key.
//
// A key splits into its class (the text before the trailing digits, and how
// many digits there are) and its number, so "L-7", "L-07" and "X-7" are
// three keys. Keys with no trailing digits, or more than 15 of them, are not
// held here: the caller keeps them in a hash index. Sparse numbers (GUIDs
// that happen to end in digits, numbers read far out of order) would cost a
// page for a few keys each: the first page (or page turned to words) that
// would take the pages past MAX_BYTES_PER_KEY for the keys held is refused,
// and from then on nothing is held here. So is a class past the first
// FREE_CLASSES when the classes hold fewer than MIN_KEYS_PER_CLASS keys
// each: such keys (GUIDs again, or "SO123-1") cost little memory but a
// sliced prefix and a map lookup on every change of class, which a hash
// lookup in a small table beats. The caller then drains the keys held into
// its hash index.

const PAGE_KEYS = 4096;
const PRESENCE_WORDS = PAGE_KEYS / 32;
const PRESENCE_BYTES = PAGE_KEYS / 8;
/** What a page's values cost as bytes, and as words. */
const NEAR_BYTES = PAGE_KEYS;
const FAR_BYTES = 4 * PAGE_KEYS;
/** 10^15 < 2^53: every number stays exact. */
const MAX_DIGITS = 15;
/** The pages' cost per key held, above which no new page is made. */
const MAX_BYTES_PER_KEY = 16;
/** Pages up to this size are made whatever the keys: numbers read out of order fill their pages later. */
const FREE_BYTES = 4 << 20;
/** What a class costs besides its pages (object, map, prefix), counted against the keys. */
const CLASS_BYTES = 256;
/** Classes made whatever their keys: an export's first rows may interleave a few hundred prefixes. */
const FREE_CLASSES = 256;
/** Past FREE_CLASSES, the keys a class must hold on average for a new one to be made. */
const MIN_KEYS_PER_CLASS = 4;

interface Page {
  present: Uint32Array;
  /** Value of number `at` when `far` is not made: base + at, plus near[at] once `near` is made. */
  base: number;
  near: Int8Array | undefined;
  far: Uint32Array | undefined;
}

interface KeyClass {
  prefix: string;
  digits: number;
  pages: Map<number, Page>;
}

export class NumberedKeys {
  /** The value found by the last successful `find`, or to be written by `insert`. */
  readonly value = new Uint32Array(1);
  /** Keys held. */
  size = 0;
  /** Bytes of the pages and classes. */
  bytes = 0;
  private readonly classes = new Map<string, KeyClass>();
  /** Set by the first page, class or page turned to words that would cost too much, or class among too many; nothing is held from then on. */
  refused = false;
  private lastClass: KeyClass | undefined;
  private lastPageNumber = -1;
  private lastPage: Page | undefined;
  /** Where the last `locate` found the key: its page and number within the page. */
  private page: Page | undefined;
  private at = 0;

  constructor(readonly withValues: boolean) {}

  /**
   * Whether the key is held here: true when present (its value then in
   * `value`), false when absent, undefined when it is not held here and
   * must be looked up by hash.
   */
  find(text: string): boolean | undefined {
    if (!this.locate(text, false)) return undefined;
    const page = this.page!;
    if ((page.present[this.at >>> 5] & (1 << (this.at & 31))) === 0) return false;
    if (this.withValues) this.value[0] = valueAt(page, this.at);
    return true;
  }

  /** True when the key would be held here: it is numbered, and its page exists. */
  holds(text: string): boolean {
    return this.locate(text, false);
  }

  /**
   * Adds the key with `value`, or overwrites a present key's value. True
   * when the key was new, false when present, undefined when the key is not
   * held here.
   */
  insert(text: string): boolean | undefined {
    return this.put(text, true);
  }

  /** Adds the key with `value` when absent (true); when present, loads its value and returns false. Undefined when not held here. */
  insertIfAbsent(text: string): boolean | undefined {
    return this.put(text, false);
  }

  private put(text: string, overwrite: boolean): boolean | undefined {
    if (!this.locate(text, true)) return undefined;
    const page = this.page!;
    const at = this.at;
    const word = at >>> 5;
    const bit = 1 << (at & 31);
    const present = (page.present[word] & bit) !== 0;
    if (this.withValues) {
      if (present && !overwrite) this.value[0] = valueAt(page, at);
      else this.setValue(page, at, this.value[0]);
    }
    if (present) return false;
    page.present[word] |= bit;
    this.size++;
    return true;
  }

  private setValue(page: Page, at: number, value: number): void {
    if (page.far) {
      page.far[at] = value;
      return;
    }
    if (Number.isNaN(page.base)) page.base = value - at;
    const distance = value - at - page.base;
    if (distance >= -128 && distance <= 127) {
      if (page.near === undefined) {
        if (distance === 0) return;
        // Every value set so far lies on the line, at distance 0.
        page.near = new Int8Array(PAGE_KEYS);
        this.spend(NEAR_BYTES);
      }
      page.near[at] = distance;
      return;
    }
    // Values that stray from the numbers' order: a word per number from now on.
    const far = new Uint32Array(PAGE_KEYS);
    for (let j = 0; j < PAGE_KEYS; j++) if ((page.present[j >>> 5] & (1 << (j & 31))) !== 0) far[j] = valueAt(page, j);
    far[at] = value;
    const freed = page.near === undefined ? 0 : NEAR_BYTES;
    page.far = far;
    page.near = undefined;
    this.spend(FAR_BYTES - freed);
  }

  /** Counts bytes a page's values took; a refusal now sends every key by hash before the next lookup. */
  private spend(more: number): void {
    this.afford(more);
    this.bytes += more;
  }

  /** Finds the key's page (making it when `create` allows); false when the key is not held here. */
  private locate(text: string, create: boolean): boolean {
    if (this.refused) return false;
    const end = text.length;
    let start = end;
    let number = 0;
    let scale = 1;
    while (start > 0) {
      const d = text.charCodeAt(start - 1) - 48;
      if (d < 0 || d > 9) break;
      number += d * scale;
      scale *= 10;
      start--;
    }
    const digits = end - start;
    if (digits === 0 || digits > MAX_DIGITS) return false;
    let keyClass = this.lastClass;
    if (keyClass === undefined || keyClass.digits !== digits || keyClass.prefix.length !== start || !text.startsWith(keyClass.prefix)) {
      const prefix = text.slice(0, start);
      const name = `${digits}:${prefix}`;
      keyClass = this.classes.get(name);
      if (keyClass === undefined) {
        if (!create || !this.affordClass(prefix.length)) return false;
        keyClass = { prefix, digits, pages: new Map() };
        this.classes.set(name, keyClass);
        this.bytes += CLASS_BYTES + prefix.length;
      }
      this.lastClass = keyClass;
      this.lastPageNumber = -1;
    }
    const pageNumber = Math.floor(number / PAGE_KEYS);
    if (pageNumber !== this.lastPageNumber) {
      let page = keyClass.pages.get(pageNumber);
      if (page === undefined) {
        if (!create || !this.afford(PRESENCE_BYTES)) return false;
        page = { present: new Uint32Array(PRESENCE_WORDS), base: NaN, near: undefined, far: undefined };
        keyClass.pages.set(pageNumber, page);
        this.bytes += PRESENCE_BYTES;
      }
      this.lastPageNumber = pageNumber;
      this.lastPage = page;
    }
    this.page = this.lastPage;
    this.at = number - pageNumber * PAGE_KEYS;
    return true;
  }

  /** Whether a class with this prefix may be made, for its cost in lookups as well as in bytes. */
  private affordClass(prefixLength: number): boolean {
    if (this.classes.size >= FREE_CLASSES && MIN_KEYS_PER_CLASS * (this.classes.size + 1) > this.size + 1) this.refused = true;
    return this.afford(CLASS_BYTES + prefixLength);
  }

  /** Whether `more` bytes may be spent on the keys held so far plus one. */
  private afford(more: number): boolean {
    const total = this.bytes + more;
    if (total > FREE_BYTES && total > MAX_BYTES_PER_KEY * (this.size + 1)) this.refused = true;
    return !this.refused;
  }

  /** Every key held, with its value (0 without values), in no particular order; then holds none. */
  *drain(): Generator<[text: string, value: number]> {
    for (const keyClass of this.classes.values()) {
      for (const [pageNumber, page] of keyClass.pages) {
        for (let at = 0; at < PAGE_KEYS; at++) {
          if ((page.present[at >>> 5] & (1 << (at & 31))) === 0) continue;
          const digits = String(pageNumber * PAGE_KEYS + at).padStart(keyClass.digits, '0');
          yield [keyClass.prefix + digits, this.withValues ? valueAt(page, at) : 0];
        }
      }
    }
    this.classes.clear();
    this.lastClass = undefined;
    this.lastPage = undefined;
    this.lastPageNumber = -1;
    this.size = 0;
    this.bytes = 0;
  }
}

function valueAt(page: Page, at: number): number {
  if (page.far) return page.far[at];
  return (page.base + at + (page.near === undefined ? 0 : page.near[at])) >>> 0;
}
