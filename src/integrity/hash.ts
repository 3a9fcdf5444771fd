// A 64-bit non-cryptographic hash of a string, as two 32-bit halves. It runs
// over UTF-16 code units, so it is stable across runs and platforms, which
// the state file relies on. Two independently seeded multiply-xor lanes are
// cross-mixed at the end (the cyrb53 construction, kept at 64 bits).
//
// The lanes fold the text one code unit at a time, so a text given in
// pieces (hashStart, hashPiece..., hashEnd) hashes exactly as the pieces
// joined would, without building the joined string.

import { sameText } from './same-text.js';

/** The halves of the last hash computed; read them right after calling hash64, hashEnd or a TextHash's one. */
export const hashOut = { hi: 0, lo: 0 };

let lane1 = 0;
let lane2 = 0;

export function hashStart(seed = 0): void {
  lane1 = 0xdeadbeef ^ seed;
  lane2 = 0x41c6ce57 ^ seed;
}

export function hashPiece(text: string): void {
  let h1 = lane1;
  let h2 = lane2;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  lane1 = h1;
  lane2 = h2;
}

export function hashEnd(): void {
  crossMix(lane1, lane2);
}

/** Mixes the two lanes into each other and puts the result in hashOut. */
function crossMix(h1: number, h2: number): void {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  hashOut.hi = h2 >>> 0;
  hashOut.lo = h1 >>> 0;
}

export function hash64(text: string, seed = 0): void {
  hashStart(seed);
  hashPiece(text);
  hashEnd();
}

/** How a key index hashes texts: one at a time, or a batch's at once. */
export interface TextHash {
  /** Puts the hash of `text` in hashOut. */
  one(text: string): void;
  /** Puts the hashes of texts[0, count) in `out`, high half then low half. */
  many(texts: readonly string[], count: number, out: Uint32Array): void;
  /**
   * As `many` for runs of equal texts: `same[i]` is 1 when texts[i] equals
   * texts[i - 1], and only the other texts are hashed, into `out` one after
   * the other. Returns how many were hashed.
   */
  runs(texts: readonly string[], count: number, out: Uint32Array, same: Uint8Array): number;
}

/** `runs` for a hash of one text at a time: equal neighbours are found by comparing the texts. */
function runsOneByOne(hashOne: (text: string) => void, texts: readonly string[], count: number, out: Uint32Array, same: Uint8Array): number {
  let hashed = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0 && sameText(texts[i], texts[i - 1])) {
      same[i] = 1;
      continue;
    }
    same[i] = 0;
    hashOne(texts[i]);
    out[2 * hashed] = hashOut.hi;
    out[2 * hashed + 1] = hashOut.lo;
    hashed++;
  }
  return hashed;
}

/** hash64, the hash the state file keeps. */
export const stableHash: TextHash = {
  one: (text) => hash64(text),
  many(texts, count, out) {
    for (let i = 0; i < count; i++) {
      hash64(texts[i]);
      out[2 * i] = hashOut.hi;
      out[2 * i + 1] = hashOut.lo;
    }
  },
  runs: (texts, count, out, same) => runsOneByOne(hash64, texts, count, out, same),
};

// The key indexes of one run are never written, so they may hash faster than
// the state file can: an ASCII text is hashed from its encoding four bytes at
// a step, a batch's texts encoded in one call. hash64 reads a text with
// charCodeAt, one multiply per character and lane, and on the slices the
// parsers cut, charCodeAt is slow: 90-150 ns a GUID against 40-70 this way.
// Any other text (and any longer than BYTE_HASHED_CHARS) takes hash64, which
// is exact for every UTF-16 text; whether a text is ASCII depends on it
// alone, so a text hashes the same whichever way it comes.

const BYTE_HASHED_CHARS = 1024;
const encoder = new TextEncoder();
let bytes = new Uint8Array(1 << 16);
let words = new DataView(bytes.buffer);

/** Room for `chars` characters of ASCII. */
function reserve(chars: number): void {
  if (bytes.length >= chars) return;
  bytes = new Uint8Array(Math.max(chars, 2 * bytes.length));
  words = new DataView(bytes.buffer);
}

/** True when `text` went into `bytes` from 0 as one byte a character, so it is ASCII. */
function encodedAscii(text: string): boolean {
  const { read, written } = encoder.encodeInto(text, bytes);
  return read === text.length && written === text.length;
}

/** Puts the hash of the ASCII bytes [start, start + length) in hashOut. */
function hashBytes(start: number, length: number): void {
  let h1 = 0xdeadbeef ^ length;
  let h2 = 0x41c6ce57;
  const wordsEnd = start + (length & ~3);
  let at = start;
  for (; at < wordsEnd; at += 4) {
    const w = words.getInt32(at, true);
    // The shifts bring high bits down: a multiply alone only carries bits up.
    h1 = Math.imul(h1 ^ w, 2654435761);
    h1 ^= h1 >>> 15;
    h2 = Math.imul(h2 ^ w, 1597334677);
    h2 ^= h2 >>> 13;
  }
  let tail = 0;
  for (; at < start + length; at++) tail = (tail << 8) | bytes[at];
  h1 = Math.imul(h1 ^ tail, 2654435761);
  h2 = Math.imul(h2 ^ tail, 1597334677);
  crossMix(h1, h2);
}

/** runHash of one text. */
function runHashOne(text: string): void {
  if (text.length <= BYTE_HASHED_CHARS && encodedAscii(text)) hashBytes(0, text.length);
  else hash64(text);
}

/**
 * Encodes texts[0, count) into `bytes`, one after the other, when every one
 * is ASCII and at most BYTE_HASHED_CHARS long: one call for a batch of GUIDs.
 */
function encodedBatch(texts: readonly string[], count: number): boolean {
  let chars = 0;
  for (let i = 0; i < count; i++) {
    if (texts[i].length > BYTE_HASHED_CHARS) return false;
    chars += texts[i].length;
  }
  reserve(chars);
  return encodedAscii(count === texts.length ? texts.join('') : texts.slice(0, count).join(''));
}

/** Whether the `length` bytes at `a` and at `b` are equal. */
function sameBytes(a: number, b: number, length: number): boolean {
  let k = 0;
  for (; k + 4 <= length; k += 4) if (words.getInt32(a + k) !== words.getInt32(b + k)) return false;
  for (; k < length; k++) if (bytes[a + k] !== bytes[b + k]) return false;
  return true;
}

/** The hash of the key indexes of one run; not stable across versions. */
export const runHash: TextHash = {
  one: runHashOne,
  many(texts, count, out) {
    const ascii = encodedBatch(texts, count);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const text = texts[i];
      if (ascii) hashBytes(at, text.length);
      else runHashOne(text);
      at += text.length;
      out[2 * i] = hashOut.hi;
      out[2 * i + 1] = hashOut.lo;
    }
  },
  // Equal neighbours are found by their bytes once encoded: V8 compares two
  // equal slices of a file in its runtime, 47-65 ns for a GUID.
  runs(texts, count, out, same) {
    if (!encodedBatch(texts, count)) return runsOneByOne(runHashOne, texts, count, out, same);
    let hashed = 0;
    let at = 0;
    let previousAt = 0;
    let previousLength = -1;
    for (let i = 0; i < count; i++) {
      const length = texts[i].length;
      if (length === previousLength && sameBytes(previousAt, at, length)) same[i] = 1;
      else {
        same[i] = 0;
        hashBytes(at, length);
        out[2 * hashed] = hashOut.hi;
        out[2 * hashed + 1] = hashOut.lo;
        hashed++;
      }
      previousAt = at;
      previousLength = length;
      at += length;
    }
    return hashed;
  },
};
