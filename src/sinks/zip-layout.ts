// Sizes of the ZIP layout the batch writer produces, for bounding an
// archive's final size before it is written. Kept apart from the writer so
// that the main thread can judge records without loading archiver, which
// only the writer's thread needs.

/** Classic ZIP limits: this writer never emits ZIP64. */
export const ZIP_MAX_BYTES = 0xffffffff;

// Record sizes from the ZIP specification (APPNOTE 4.3), with room for the
// ZIP64 extra fields a writer may add.
export const LOCAL_HEADER = 30 + 20;
export const DATA_DESCRIPTOR = 24;
export const CENTRAL_HEADER = 46 + 28;
export const END_OF_CENTRAL_DIRECTORY = 22 + 56 + 20;
/** The final deflate block written when an entry ends. */
export const FINISH_BLOCK = 16;

/** Largest deflate output for n input bytes (zlib's conservative deflateBound). */
export function deflateBound(n: number): number {
  return n + ((n + 7) >> 3) + ((n + 63) >> 6) + 11;
}

/** True when not even an archive of its own could hold a record of `lineBytes`. */
export function tooLargeAlone(entryName: string, headerBytes: number, lineBytes: number, maxBytes: number): boolean {
  return singleEntryBound(entryName, headerBytes + lineBytes) > maxBytes;
}

/** Records as UTF-8 bytes: `ends[k]` is the offset just past record k. */
export interface EncodedLines {
  text: Uint8Array;
  ends: Uint32Array;
}

/** Bytes an entry adds around its data: local header, descriptor, central record. */
export function entryOverhead(name: string): number {
  return LOCAL_HEADER + name.length + DATA_DESCRIPTOR + CENTRAL_HEADER + name.length + FINISH_BLOCK;
}

/** The smallest archive that holds one entry with `bytes` of data. */
export function singleEntryBound(name: string, bytes: number): number {
  return END_OF_CENTRAL_DIRECTORY + entryOverhead(name) + deflateBound(bytes);
}
