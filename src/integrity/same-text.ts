// Comparing key texts cut from a file.

/**
 * V8 cuts texts this long or longer from a file as slices of it; shorter
 * ones are copied into flat strings, which compare in a few nanoseconds.
 */
export const SLICED_LENGTH = 13;

/**
 * `a === b`, quicker when they differ. Cells cut from a file of long keys
 * (GUIDs) are slices of it, and V8 compares two slices in its runtime,
 * about 30 ns even when the first character differs; a differing length or
 * last character (the digit that counts up, the GUID's random tail) settles
 * most comparisons before that.
 */
export function sameText(a: string, b: string | undefined): boolean {
  if (b === undefined || a.length !== b.length) return false;
  const last = a.length - 1;
  return (last < 0 || a.charCodeAt(last) === b.charCodeAt(last)) && a === b;
}
