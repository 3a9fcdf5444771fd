// A 64-bit non-cryptographic hash of a string, as two 32-bit halves. It runs
// over UTF-16 code units, so it is stable across runs and platforms, which
// the state file relies on. Two independently seeded multiply-xor lanes are
// cross-mixed at the end (the cyrb53 construction, kept at 64 bits).

/** The halves of the last hash computed; read them right after calling hash64. */
export const hashOut = { hi: 0, lo: 0 };

export function hash64(text: string, seed = 0): void {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  hashOut.hi = h2 >>> 0;
  hashOut.lo = h1 >>> 0;
}
