// A JSON record read straight into its keys and values, for the shape most
// exports have: one flat object of strings, numbers, booleans and nulls.
// JSON.parse builds an object and a double for every number, which the exact
// pass of json-number.ts then replaces with the number's text; this scanner
// does neither, and reads such records about twice as fast, and twice as
// fast again once a shape has repeated and has its own pattern. Whatever it
// cannot vouch for goes to the general path, which decides.

import { JSON_NUMBER, JSON_STRING_CONTENT, literalPattern, stringEnd } from './json-number.js';
import type { FieldList, JsonRecord } from './types.js';

/**
 * JSON forbids raw control characters inside strings, and the scanner does
 * not look inside strings: one search finds both those and the backslashes
 * that start escapes (FieldScanner.special).
 */
const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\\]/g;

function skipBlanks(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else return i;
  }
}

function digitsEnd(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) i++;
    else return i;
  }
}

/** End of the number token at `i` by JSON's grammar; -1 when it is not one. */
function numberEnd(text: string, i: number): number {
  if (text.charCodeAt(i) === 45 /* - */) i++;
  const first = text.charCodeAt(i);
  if (first === 48) i++;
  else if (first >= 49 && first <= 57) i = digitsEnd(text, i + 1);
  else return -1;
  if (text.charCodeAt(i) === 46 /* . */) {
    const from = i + 1;
    i = digitsEnd(text, from);
    if (i === from) return -1;
  }
  const e = text.charCodeAt(i);
  if (e === 101 || e === 69) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 43 || sign === 45) i++;
    const from = i;
    i = digitsEnd(text, from);
    if (i === from) return -1;
  }
  return i;
}

/**
 * The text of a quoted string token that holds escapes: JSON.parse decodes
 * them, or refuses. U+0000 is left to the general path, which rejects it: it
 * starts the exact-number marker (json-number.ts).
 */
function unescaped(token: string): string | undefined {
  try {
    const string = JSON.parse(token) as string;
    return string.includes('\u0000') ? undefined : string;
  } catch {
    return undefined;
  }
}

/** A JSON value as the scanner takes it: a string's content (group 1), or a number, true, false or null (group 2). */
const VALUE = `"(${JSON_STRING_CONTENT})"|(${JSON_NUMBER}|true|false|null)`;
const BLANKS = '[ \\t\\n\\r]*';

/**
 * One regular expression for a whole record of the given keys in order, so
 * that the engine's compiled matcher reads it in one call instead of a
 * dozen calls a field. Compact (no blanks between tokens) unless `blanks`.
 */
function shapePattern(keys: string[], blanks: boolean): RegExp {
  const b = blanks ? BLANKS : '';
  const members = keys.map((key) => `"${literalPattern(key)}"${b}:${b}(?:${VALUE})${b}`);
  return new RegExp(`\\{${b}${members.join(`,${b}`)}\\}`, 'y');
}

/**
 * Records of one shape in a row before it gets its pattern. Compiling a
 * pattern of two dozen keys takes one to two milliseconds, the time to scan
 * a few hundred records, so a file whose shape keeps changing never pays it
 * more than once a thousand records.
 */
export const PATTERN_AFTER = 1000;

/**
 * The most keys, and characters of keys, a pattern is made for. Past about
 * two hundred keys V8 runs the expression slower than the scan (at 256 keys
 * four times slower) and compiling it takes tens of milliseconds; at a few
 * thousand keys, or megabytes of key text, V8 refuses to compile it at all,
 * on its first use. The widest model has 80 fields, with names of at most a
 * few dozen characters.
 */
export const PATTERN_MAX_KEYS = 128;
export const PATTERN_MAX_KEY_CHARS = 16_384;

function patternFits(keys: readonly string[]): boolean {
  if (keys.length > PATTERN_MAX_KEYS) return false;
  let chars = 0;
  for (const key of keys) chars += key.length;
  return chars <= PATTERN_MAX_KEY_CHARS;
}

/**
 * Reads JSON records into field lists. The keys of the last record are kept:
 * a record of the same shape reuses their strings (no new string, and a
 * lookup by key finds its hash already computed), and a shape is checked for
 * repeated keys only when it is new. A shape read PATTERN_AFTER times in a
 * row gets its own regular expression (shapePattern), which reads the
 * records that follow about twice as fast as the scan; a record it does not
 * match is scanned.
 */
export class FieldScanner {
  private shape: string[] = [];
  /** Records of the shape read in a row, until it has a pattern. */
  private repeats = 0;
  private shapeRegExp: RegExp | undefined;
  /** Whether the pattern allows blanks between tokens: the compact one missed a record the scan read. */
  private blanks = false;
  /**
   * The first control character or backslash at or after where it was last
   * searched from. A string that closes before it holds neither: its text
   * is a plain slice. One before a string's opening quote lies outside
   * strings, where only a blank between tokens gets past the scan, and is
   * searched past. One inside a string (a backslash starting an escape, or a
   * raw control character) sends the string to JSON.parse, which decodes it
   * or refuses it.
   */
  private special = -1;
  /**
   * Where `special` was searched from, and in which text. Records read one
   * after another from one text (an array's chunk) share the search: a
   * fresh one for each would go over the rest of the chunk each time when
   * it holds nothing special.
   */
  private searchedFrom = 0;
  private searchedIn: string | undefined;
  /** The closing quote of the string last read. */
  private close = 0;
  /** The record last read by `read`. */
  fields: FieldList = [];

  /** Which pattern the current shape has: none yet, compact, or allowing blanks. */
  get pattern(): 'none' | 'compact' | 'blanks' {
    return this.shapeRegExp === undefined ? 'none' : this.blanks ? 'blanks' : 'compact';
  }

  private findSpecial(text: string, from: number): void {
    this.searchedIn = text;
    this.searchedFrom = from;
    CONTROL_OR_BACKSLASH.lastIndex = from;
    const found = CONTROL_OR_BACKSLASH.exec(text);
    this.special = found === null ? text.length : found.index;
  }

  /** The text of the string token opening at `open` (its closing quote in `close`); undefined when the scan must give up. */
  private string(text: string, open: number): string | undefined {
    // The last search holds for this string when it began at or before the string and found nothing in it.
    if (this.special <= open || this.searchedFrom > open + 1 || this.searchedIn !== text) this.findSpecial(text, open + 1);
    let close = text.indexOf('"', open + 1);
    if (close === -1) return undefined;
    if (close < this.special) {
      this.close = close;
      return text.slice(open + 1, close);
    }
    close = stringEnd(text, open);
    if (close === -1) return undefined;
    const string = unescaped(text.slice(open, close + 1));
    if (string === undefined) return undefined;
    this.findSpecial(text, close + 1);
    this.close = close;
    return string;
  }

  /**
   * The fields of a flat JSON object whose values are numbers (their token),
   * strings, booleans ("true"/"false") or null. Undefined for anything else,
   * valid or not, and for a repeated key, whose handling (the last value
   * wins) the general path owns.
   */
  scan(text: string): FieldList | undefined {
    const end = this.read(text, 0);
    return end !== -1 && skipBlanks(text, end) === text.length ? this.fields : undefined;
  }

  /**
   * Reads the record as `scan` does from the line [from, lineEnd) of a
   * longer text (an NDJSON chunk), in place: true when the record fills the
   * line but for blanks, with the record in `fields`.
   */
  readLine(text: string, from: number, lineEnd: number): boolean {
    const end = this.read(text, from);
    return end !== -1 && end <= lineEnd && skipBlanks(text, end) >= lineEnd;
  }

  /**
   * Reads the record as `scan` does, starting at `from` in text that may go
   * on after it (a JSON array's chunk): the index past its closing brace,
   * with the record in `fields`; -1 when `scan` would give undefined.
   */
  read(text: string, from: number): number {
    let i = skipBlanks(text, from);
    if (text.charCodeAt(i) !== 123 /* { */) return -1;
    if (this.shapeRegExp !== undefined) {
      const end = this.match(this.shapeRegExp, text, i);
      if (end !== -1) return end;
    }
    i = skipBlanks(text, i + 1);
    const shape = this.shape;
    // Sized for the last shape: most records have it, and growing an array step by step costs copies.
    const fields: FieldList = new Array(2 * shape.length);
    let sameShape = true;
    // Whether every key was read without escapes, so that its raw text is the key.
    let plainKeys = true;
    let count = 0;
    if (text.charCodeAt(i) !== 125 /* } */) {
      for (;;) {
        if (text.charCodeAt(i) !== 34 /* " */) return -1;
        let key: string | undefined = shape[count];
        let close: number;
        if (key !== undefined && text.startsWith(key, i + 1) && text.charCodeAt(i + 1 + key.length) === 34) {
          // The shape holds only keys read without escapes, so this quote closes the key.
          close = i + 1 + key.length;
        } else {
          sameShape = false;
          key = this.string(text, i);
          if (key === undefined) return -1;
          close = this.close;
          // An escape always takes more characters than the one it stands for.
          if (key.length !== close - i - 1) plainKeys = false;
        }
        i = close + 1;
        if (text.charCodeAt(i) !== 58 /* : */) {
          i = skipBlanks(text, i);
          if (text.charCodeAt(i) !== 58) return -1;
        }
        i = skipBlanks(text, i + 1);
        const c = text.charCodeAt(i);
        let value: string | null;
        if (c === 34) {
          const string = this.string(text, i);
          if (string === undefined) return -1;
          value = string;
          i = this.close + 1;
        } else if (c === 45 || (c >= 48 && c <= 57)) {
          const end = numberEnd(text, i);
          if (end === -1) return -1;
          value = text.slice(i, end);
          i = end;
        } else if (c === 116 && text.startsWith('true', i)) {
          value = 'true';
          i += 4;
        } else if (c === 102 && text.startsWith('false', i)) {
          value = 'false';
          i += 5;
        } else if (c === 110 && text.startsWith('null', i)) {
          value = null;
          i += 4;
        } else {
          return -1;
        }
        fields[2 * count] = key;
        fields[2 * count + 1] = value;
        count++;
        let next = text.charCodeAt(i);
        if (next !== 44 && next !== 125) {
          i = skipBlanks(text, i);
          next = text.charCodeAt(i);
        }
        if (next === 44 /* , */) {
          i = skipBlanks(text, i + 1);
          continue;
        }
        if (next === 125) break;
        return -1;
      }
    }
    fields.length = 2 * count;
    if (!sameShape || count !== shape.length) {
      const keys: string[] = [];
      for (let k = 0; k < fields.length; k += 2) keys.push(fields[k] as string);
      if (new Set(keys).size !== keys.length) return -1;
      this.shape = plainKeys ? keys : [];
      this.repeats = 1;
      this.shapeRegExp = undefined;
      this.blanks = false;
    } else if (count > 0 && !this.blanks) {
      if (this.shapeRegExp !== undefined) {
        // A record of the shape that the compact pattern missed and the scan
        // read has blanks between tokens (or, far more rarely, a string with
        // too many escapes for V8's stack, which costs nothing here).
        this.blanks = true;
        this.shapeRegExp = shapePattern(shape, true);
      } else if (++this.repeats === PATTERN_AFTER && patternFits(shape)) {
        this.shapeRegExp = shapePattern(shape, false);
      }
    }
    this.fields = fields;
    return i + 1;
  }

  /** Reads the record at `at` with the shape's pattern, as `read` does; -1 when it does not match. */
  private match(pattern: RegExp, text: string, at: number): number {
    pattern.lastIndex = at;
    let found: RegExpExecArray | null;
    try {
      found = pattern.exec(text);
    } catch {
      // V8 keeps a step of its own stack for each escape of a string, and
      // millions of escapes in one string run out of it: the scan reads those.
      return -1;
    }
    if (found === null) return -1;
    const shape = this.shape;
    const fields: FieldList = new Array(2 * shape.length);
    for (let k = 0; k < shape.length; k++) {
      let value: string | null | undefined = found[2 * k + 1];
      if (value === undefined) {
        value = found[2 * k + 2]!;
        if (value === 'null') value = null;
      } else if (value.includes('\\')) {
        value = unescaped(`"${value}"`);
        if (value === undefined) return -1;
      }
      fields[2 * k] = shape[k]!;
      fields[2 * k + 1] = value;
    }
    this.fields = fields;
    return pattern.lastIndex;
  }
}

/** A parsed object's fields, in its own order. */
export function fieldsOf(record: JsonRecord): FieldList {
  const fields: FieldList = [];
  for (const key in record) fields.push(key, record[key]);
  return fields;
}
