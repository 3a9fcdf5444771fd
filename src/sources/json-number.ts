// JSON numbers are parsed by JSON.parse into doubles, which cannot hold every
// decimal (12345678901234567.89 becomes ...68). Records whose text could lose
// precision are re-tokenised so every number token reaches the validator as
// its exact source text, wrapped in a marker string.

/** Prefix of a marker string that carries a JSON number token's exact text. */
export const NUMBER_MARK = '\u0000#';

/**
 * Text that might not survive a double: 16+ number characters in a row, or a
 * fraction ending in 0 ("10.50"). Over-matching (inside strings) is harmless:
 * it only selects the exact, slower path.
 */
const MAY_LOSE_PRECISION = /[\d.eE+-]{16,}|\.\d*0(?![\d.])/;
// Number tokens follow JSON's own grammar exactly, so marking turns invalid
// text ("01", "1.", "+1") into equally invalid text and never repairs it.
const TOKENS = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

function markNumber(token: string): string {
  return token.charCodeAt(0) === 34 /* " */ ? token : `"\\u0000#${token}"`;
}

/** JSON.parse that keeps the exact text of any number a double could change. */
export function parseExactJson(text: string): unknown {
  if (!MAY_LOSE_PRECISION.test(text)) return JSON.parse(text);
  try {
    return JSON.parse(text.replace(TOKENS, markNumber));
  } catch (error) {
    // Let the message describe the text as it came.
    JSON.parse(text);
    throw error;
  }
}

/** The exact text of a JSON number value (a double from JSON.parse, or a marker). */
export function numberText(value: number | string): string {
  if (typeof value === 'string') return value.slice(NUMBER_MARK.length);
  return String(value);
}

export function isNumberMark(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(NUMBER_MARK);
}

/** JSON text of a parsed value, with marked numbers written back as number tokens. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (isNumberMark(v) ? `\u0001${numberText(v)}\u0001` : v)).replace(
    /"\\u0001([^"\\]*)\\u0001"/g,
    '$1',
  );
}
