// Push-style splitters for NDJSON and JSON-array inputs: text in, one parsed
// object per record out, each with the line on which it starts. Splitting is
// done here and parsing by JSON.parse per record, which runs several times
// faster than token-level streaming (bench/parse-json.bench.ts).

import { FieldScanner, fieldsOf } from './json-fields.js';
import { parseExactJson } from './json-number.js';
import { RecordCollector, type JsonRecord } from './types.js';

export interface JsonEngineOptions {
  maxRecordChars: number;
  /** Collect records as field lists (`fields`) rather than objects: faster, for consumers that read keys in a loop. */
  fields?: boolean;
}

/** A \u0000 escape that is not itself an escaped backslash followed by "u0000". */
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

abstract class JsonEngineBase extends RecordCollector {
  protected readonly scanner: FieldScanner | undefined;

  constructor(protected readonly options: JsonEngineOptions) {
    super();
    this.scanner = options.fields ? new FieldScanner() : undefined;
  }

  /** `scanned`: the field scanner has already tried this text and given up. */
  protected accept(text: string, line: number, scanned = false): void {
    // The field scanner leaves any U+0000 to the checks below.
    const fields = scanned ? undefined : this.scanner?.scan(text);
    if (fields) {
      this.fields.push(fields);
      this.lines.push(line);
      return;
    }
    if (text.includes('\\u0000') && ESCAPED_NUL.test(text)) {
      // U+0000 is no text any export means, and it starts the exact-number marker (json-number.ts).
      this.reject(line, 'MALFORMED', 'a JSON string holds U+0000 (\\u0000)', text);
      return;
    }
    let value: unknown;
    try {
      value = parseExactJson(text);
    } catch (error) {
      this.reject(line, 'MALFORMED', `invalid JSON: ${(error as Error).message}`, text);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.reject(line, 'MALFORMED', 'a record must be a JSON object', text);
      return;
    }
    if (this.scanner) this.fields.push(fieldsOf(value as JsonRecord));
    else this.objects.push(value as JsonRecord);
    this.lines.push(line);
  }

  protected reject(line: number, code: 'MALFORMED' | 'TOO_LARGE', reason: string, text: string): void {
    this.problems.push({ line, code, field: '', reason, value: text.slice(0, 200) });
  }

  protected tooLarge(line: number, text: string): void {
    this.reject(line, 'TOO_LARGE', `record longer than ${this.options.maxRecordChars} characters (--max-record-bytes)`, text);
  }
}

/** One JSON object per line; blank lines are skipped, CRLF is accepted. */
export class NdjsonEngine extends JsonEngineBase {
  private buf = '';
  private line = 1;
  private discarding = false;

  push(text: string): void {
    let start = 0;
    if (this.discarding) {
      const nl = text.indexOf('\n');
      if (nl === -1) return;
      this.discarding = false;
      this.line++;
      start = nl + 1;
    }
    let buf = this.buf.length === 0 ? (start === 0 ? text : text.slice(start)) : this.buf + text.slice(start);
    let pos = 0;
    const scanner = this.scanner;
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n', pos)) {
      // A flat record is read where it stands: no copy of its line, and the
      // chunk's one search for escapes and control characters serves them all.
      const scanned = scanner !== undefined && nl - pos <= this.options.maxRecordChars;
      if (scanned && scanner.readLine(buf, pos, nl)) {
        this.fields.push(scanner.fields);
        this.lines.push(this.line++);
      } else {
        this.lineText(buf.slice(pos, nl), scanned);
      }
      pos = nl + 1;
    }
    buf = pos === 0 ? buf : buf.slice(pos);
    if (buf.length > this.options.maxRecordChars) {
      this.tooLarge(this.line, buf);
      this.discarding = true;
      buf = '';
    }
    this.buf = buf;
  }

  end(): void {
    if (!this.discarding && this.buf.length > 0) this.lineText(this.buf);
    this.buf = '';
  }

  private lineText(text: string, scanned = false): void {
    const line = this.line++;
    if (text.length > this.options.maxRecordChars) {
      this.tooLarge(line, text);
      return;
    }
    // Blank (or whitespace-only) lines carry no record.
    if (text.trim().length === 0) return;
    this.accept(text, line, scanned);
  }
}

const enum ArrayState {
  /** Before the opening "[". */
  Start,
  /** Expecting an element or "]". */
  Element,
  /** Inside an element. */
  Inside,
  /** Expecting "," or "]". */
  Separator,
  /** After the closing "]". */
  Done,
}

/**
 * Elements of a top-level JSON array. The scanner tracks only strings and
 * nesting depth, so each element is cut out as text and handed to JSON.parse.
 * Each chunk is scanned as it came: an element cut by a chunk boundary keeps
 * its earlier pieces aside instead of prefixing them to the next chunk, since
 * a concatenated string indexes several times slower than a flat one.
 */
export class JsonArrayEngine extends JsonEngineBase {
  /** A scalar element cut by the chunk boundary, scanned again with the next chunk. */
  private rest = '';
  /** The open element's text from earlier chunks (nothing while skipping), and its length. */
  private partial = '';
  private partialLength = 0;
  private line = 1;
  /** Next line break at or after the point lines are counted to, in the chunk being scanned; -1 when none. */
  private nextBreak = -1;
  private state = ArrayState.Start;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private elementLine = 1;
  /** Inside an element already rejected as too large: scanned to find its end, not kept. */
  private skipping = false;
  /** Set when the structure is broken beyond recovery; the caller turns it into a file-level error. */
  fatal: string | undefined;

  push(text: string): void {
    if (this.fatal) return;
    let buf = text;
    if (this.rest.length > 0) {
      buf = this.rest + text;
      this.rest = '';
    }
    this.nextBreak = buf.indexOf('\n');
    let from = 0;
    if (this.state === ArrayState.Inside) {
      const close = this.scanInside(buf, 0);
      if (close === -1) return this.carry(buf, 0);
      this.closeElement(buf, 0, close);
      from = close + 1;
    }
    this.scan(buf, from, false);
  }

  end(): void {
    if (this.fatal) return;
    if (this.rest.length > 0) {
      const rest = this.rest;
      this.rest = '';
      this.nextBreak = rest.indexOf('\n');
      this.scan(rest, 0, true);
    }
    if (this.fatal) return;
    if (this.state === ArrayState.Start) this.fatal = 'the file holds no JSON array';
    else if (this.state === ArrayState.Inside) {
      if (!this.skipping) this.reject(this.elementLine, 'MALFORMED', 'the last element is never closed', this.partial);
      this.fatal = `the JSON array is not closed (element starting on line ${this.elementLine} is cut off)`;
    } else if (this.state !== ArrayState.Done) this.fatal = 'the JSON array is not closed with "]"';
  }

  /** The line of position `at` of `buf`; positions are asked in increasing order. */
  private lineOf(buf: string, at: number): number {
    while (this.nextBreak !== -1 && this.nextBreak < at) {
      this.line++;
      this.nextBreak = buf.indexOf('\n', this.nextBreak + 1);
    }
    return this.line;
  }

  private scan(buf: string, from: number, final: boolean): void {
    const len = buf.length;
    let i = from;
    while (i < len && !this.fatal) {
      const c = buf.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff) {
        i++;
        continue;
      }
      switch (this.state) {
        case ArrayState.Start:
          if (c !== 91 /* [ */) this.fatal = `expected a JSON array of records, found "${buf[i]}" on line ${this.lineOf(buf, i)}`;
          else this.state = ArrayState.Element;
          break;
        case ArrayState.Element: {
          if (c === 93 /* ] */) {
            // "[]", or a trailing comma before "]": no further record.
            this.state = ArrayState.Done;
            break;
          }
          if (c === 123 /* { */ && this.scanner) {
            // A flat record read where it stands: one pass finds both its end and its fields.
            const end = this.scanner.read(buf, i);
            if (end !== -1 && end - i <= this.options.maxRecordChars) {
              this.fields.push(this.scanner.fields);
              this.lines.push(this.lineOf(buf, i));
              this.state = ArrayState.Separator;
              i = end;
              continue;
            }
          }
          if (c === 123 /* { */ || c === 91) {
            this.state = ArrayState.Inside;
            this.depth = 1;
            this.inString = false;
            this.escaped = false;
            this.elementLine = this.lineOf(buf, i);
            const close = this.scanInside(buf, i + 1);
            if (close === -1) return this.carry(buf, i);
            this.closeElement(buf, i, close);
            i = close + 1;
            continue;
          }
          // A scalar element: cut it out up to the next separator and reject it.
          const line = this.lineOf(buf, i);
          const end = scalarEnd(buf, i);
          // A scalar is not skipped like an object, so one over the cap stops
          // the file, whether or not its end is in the text read so far.
          if ((end === -1 ? len : end) - i > this.options.maxRecordChars) {
            this.tooLarge(line, buf.slice(i, i + 200));
            this.fatal = `element on line ${line} is larger than --max-record-bytes`;
            continue;
          }
          if (end === -1) {
            if (final) this.fatal = `unexpected "${buf[i]}" on line ${line}`;
            else this.rest = buf.slice(i);
            return;
          }
          this.reject(line, 'MALFORMED', 'a record must be a JSON object', buf.slice(i, end));
          this.state = ArrayState.Separator;
          i = end;
          continue;
        }
        case ArrayState.Separator:
          if (c === 44 /* , */) this.state = ArrayState.Element;
          else if (c === 93) this.state = ArrayState.Done;
          else this.fatal = `expected "," or "]" on line ${this.lineOf(buf, i)}, found "${buf[i]}"`;
          break;
        case ArrayState.Done:
          this.fatal = `unexpected text after the closing "]" on line ${this.lineOf(buf, i)}`;
          break;
      }
      i++;
    }
    this.lineOf(buf, len);
  }

  /**
   * Scans the open element from `i`: strings are skipped to their closing
   * quote, brackets counted. Returns the index of the bracket that closes
   * the element, or -1 when the text ends first (the state carries over).
   */
  private scanInside(buf: string, i: number): number {
    const len = buf.length;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let close = -1;
    while (i < len) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i++;
          continue;
        }
        const quote = buf.indexOf('"', i);
        const stop = quote === -1 ? len : quote;
        let k = stop - 1;
        while (k >= i && buf.charCodeAt(k) === 92 /* \ */) k--;
        const slashes = stop - 1 - k;
        if (quote === -1) {
          escaped = slashes % 2 === 1;
          i = len;
          break;
        }
        if (slashes % 2 === 0) inString = false;
        i = quote + 1;
        continue;
      }
      const c = buf.charCodeAt(i);
      if (c === 34 /* " */) inString = true;
      else if (c === 123 /* { */ || c === 91 /* [ */) depth++;
      else if (c === 125 /* } */ || c === 93 /* ] */) {
        if (--depth === 0) {
          close = i;
          break;
        }
      }
      i++;
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return close;
  }

  /** The open element ends at `close` in `buf`, where its text began at `start`. */
  private closeElement(buf: string, start: number, close: number): void {
    const length = this.partialLength + close + 1 - start;
    if (this.skipping) this.skipping = false;
    else if (length > this.options.maxRecordChars) this.tooLarge(this.elementLine, (this.partial + buf.slice(start, start + 200)).slice(0, 200));
    else this.accept(this.partial.length === 0 ? buf.slice(start, close + 1) : this.partial + buf.slice(start, close + 1), this.elementLine);
    this.partial = '';
    this.partialLength = 0;
    this.state = ArrayState.Separator;
  }

  /** The open element runs past the end of `buf`: keep its text, or only its length once it is too large. */
  private carry(buf: string, start: number): void {
    this.partialLength += buf.length - start;
    if (!this.skipping) {
      if (this.partialLength > this.options.maxRecordChars) {
        // One element larger than the cap: reject it now and scan on to its
        // end without keeping its text, so memory stays bounded.
        this.tooLarge(this.elementLine, (this.partial + buf.slice(start, start + 200)).slice(0, 200));
        this.skipping = true;
        this.partial = '';
      } else {
        this.partial += buf.slice(start);
      }
    }
    this.lineOf(buf, buf.length);
  }
}

/**
 * End of a scalar array element starting at `from`: after the closing quote
 * of a string (which may hold "," or "]"), else at the next "," or "]".
 * -1 when the text ends first.
 */
function scalarEnd(buf: string, from: number): number {
  if (buf.charCodeAt(from) === 34 /* " */) {
    for (let i = from + 1; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c === 92 /* \ */) i++;
      else if (c === 34) return i + 1;
    }
    return -1;
  }
  const comma = buf.indexOf(',', from);
  const close = buf.indexOf(']', from);
  if (comma === -1) return close;
  return close === -1 ? comma : Math.min(comma, close);
}
