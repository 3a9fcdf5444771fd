// A 64-bit non-cryptographic hash of a string, as two 32-bit halves. It runs
// over UTF-16 code units, so it is stable across runs and platforms, which
// the state file relies on. Two independently seeded multiply-xor lanes are
// cross-mixed at the end (the cyrb53 construction, kept at 64 bits).
//
// The lanes fold the text one code unit at a time, so a text given in
// pieces (hashStart, hashPiece..., hashEnd) hashes exactly as the pieces
// joined would, without building the joined string.

/** The halves of the last hash computed; read them right after calling hash64 or hashEnd. */
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
  let h1 = lane1;
  let h2 = lane2;
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
