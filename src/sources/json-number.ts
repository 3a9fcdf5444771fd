// JSON numbers are parsed by JSON.parse into doubles, which cannot hold every
// decimal (12345678901234567.89 becomes ...68) and print "10.50" as 10.5.
// One pass over the text finds the number tokens, and every number reaches
// the validator as its exact source text, wrapped in a marker string.

/** Prefix of a marker string that carries a JSON number token's exact text. */
export const NUMBER_MARK = '\u0000#';

// JSON's grammar for the regular expressions that read JSON text
// (here, json-fields.ts and json-keys.ts), written once.

/** A number token, by JSON's own grammar exactly. */
export const JSON_NUMBER = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;
/**
 * A string's content between its quotes, with no raw control character:
 * runs of one character class between escapes, which V8 matches without a
 * step of backtracking stack per character, so a string of megabytes does
 * not exhaust it (`(?:[^"\\]|\\.)*` did, at about ten million characters).
 */
export const JSON_STRING_CONTENT = String.raw`[^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*`;

/** `text` as a regular expression that matches it literally. */
export function literalPattern(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

// Number tokens follow JSON's own grammar exactly, so marking turns invalid
// text ("01", "1.", "+1") into equally invalid text and never repairs it.
// JSON.parse has accepted the text first, so its strings hold no raw
// control character.
const TOKENS = new RegExp(`"${JSON_STRING_CONTENT}"|${JSON_NUMBER}`, 'g');

function markNumber(token: string): string {
  return token.charCodeAt(0) === 34 /* " */ ? token : `"\\u0000#${token}"`;
}

/** Marks every number token of the text; the general, slower path. */
function parseMarkingAll(text: string): unknown {
  return JSON.parse(text.replace(TOKENS, markNumber));
}

/** What one pass over JSON text finds outside its strings. */
interface NumberScan {
  /** Number tokens in document order. */
  tokens: string[];
  /** Object keys: strings followed by ":". */
  keys: number;
}

export function isJsonSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69;
}

/** Meant for valid JSON only; JSON.parse has already accepted the text. */
function scanNumbers(text: string): NumberScan {
  const tokens: string[] = [];
  let keys = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i = stringEnd(text, i) + 1;
      while (i < n && isJsonSpace(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === 58 /* : */) keys++;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      let end = i + 1;
      while (end < n && isNumberChar(text.charCodeAt(end))) end++;
      tokens.push(text.slice(i, end));
      i = end;
    } else {
      i++;
    }
  }
  return { tokens, keys };
}

/** Index of the quote that closes the string opened at `open`; -1 when none. */
export function stringEnd(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close !== -1 && isEscaped(text, close)) close = text.indexOf('"', close + 1);
  return close;
}

/** Whether the quote at `at` is escaped by an odd run of backslashes. */
export function isEscaped(text: string, at: number): boolean {
  let k = at - 1;
  while (k >= 0 && text.charCodeAt(k) === 92 /* \ */) k--;
  return (at - 1 - k) % 2 === 1;
}

/**
 * Puts each number's token in place of its double, walking the parsed value
 * in document order. Returns false when that order cannot be trusted:
 * integer-like keys (enumerated first) or duplicate keys (JSON.parse keeps
 * one value, so tokens and values no longer pair up).
 */
function markNumbers(value: unknown, scan: NumberScan): boolean {
  const { tokens } = scan;
  let next = 0;
  let keys = 0;
  const visit = (node: unknown): boolean => {
    if (node === null || typeof node !== 'object') return true;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v = node[i];
        if (typeof v === 'number') node[i] = NUMBER_MARK + tokens[next++];
        else if (!visit(v)) return false;
      }
      return true;
    }
    const record = node as Record<string, unknown>;
    for (const key in record) {
      keys++;
      const c = key.charCodeAt(0);
      if (c >= 48 && c <= 57) return false;
      const v = record[key];
      if (typeof v === 'number') record[key] = NUMBER_MARK + tokens[next++];
      else if (!visit(v)) return false;
    }
    return true;
  };
  return visit(value) && next === tokens.length && keys === scan.keys;
}

/**
 * JSON.parse with every number carried as its exact source text (a marker
 * string), which also spares the validator printing doubles back.
 */
export function parseExactJson(text: string): unknown {
  const value = JSON.parse(text);
  if (value === null || typeof value !== 'object') return typeof value === 'number' ? NUMBER_MARK + text.trim() : value;
  const scan = scanNumbers(text);
  if (scan.tokens.length === 0 || markNumbers(value, scan)) return value;
  return parseMarkingAll(text);
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
