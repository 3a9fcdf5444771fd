// Push-style splitters for NDJSON and JSON-array inputs: text in, one parsed
// object per record out, each with the line on which it starts. Splitting is
// done here and parsing by JSON.parse per record, which runs several times
// faster than token-level streaming (bench/parse-json.bench.ts).

import { parseExactJson } from './json-number.js';
import { RecordCollector, type JsonRecord } from './types.js';

export interface JsonEngineOptions {
  maxRecordChars: number;
}

/** A \u0000 escape that is not itself an escaped backslash followed by "u0000". */
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

abstract class JsonEngineBase extends RecordCollector {
  constructor(protected readonly options: JsonEngineOptions) {
    super();
  }

  protected accept(text: string, line: number): void {
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
    this.objects.push(value as JsonRecord);
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
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n', pos)) {
      this.lineText(buf.slice(pos, nl));
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

  private lineText(text: string): void {
    const line = this.line++;
    if (text.length > this.options.maxRecordChars) {
      this.tooLarge(line, text);
      return;
    }
    // Blank (or whitespace-only) lines carry no record.
    if (text.trim().length === 0) return;
    this.accept(text, line);
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
 */
export class JsonArrayEngine extends JsonEngineBase {
  private buf = '';
  private line = 1;
  private state = ArrayState.Start;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private elementStart = 0;
  private elementLine = 1;
  /** Inside an element already rejected as too large: scanned to find its end, not kept. */
  private skipping = false;
  /** Set when the structure is broken beyond recovery; the caller turns it into a file-level error. */
  fatal: string | undefined;

  push(text: string): void {
    this.buf = this.buf.length === 0 ? text : this.buf + text;
    this.scan(false);
  }

  end(): void {
    this.scan(true);
    if (this.fatal) return;
    if (this.state === ArrayState.Start) this.fatal = 'the file holds no JSON array';
    else if (this.state === ArrayState.Inside) {
      if (!this.skipping) this.reject(this.elementLine, 'MALFORMED', 'the last element is never closed', this.buf.slice(this.elementStart));
      this.fatal = `the JSON array is not closed (element starting on line ${this.elementLine} is cut off)`;
    } else if (this.state !== ArrayState.Done) this.fatal = 'the JSON array is not closed with "]"';
  }

  private scan(final: boolean): void {
    const buf = this.buf;
    const len = buf.length;
    let i = this.state === ArrayState.Inside ? this.scanFrom : 0;
    let keepFrom = len;
    while (i < len && !this.fatal) {
      const c = buf.charCodeAt(i);
      if (this.state === ArrayState.Inside) {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === 92 /* \ */) this.escaped = true;
          else if (c === 34 /* " */) this.inString = false;
          else if (c === 10) this.line++;
        } else if (c === 34) this.inString = true;
        else if (c === 123 /* { */ || c === 91 /* [ */) this.depth++;
        else if (c === 125 /* } */ || c === 93 /* ] */) {
          if (--this.depth === 0) {
            if (this.skipping) this.skipping = false;
            else if (i + 1 - this.elementStart > this.options.maxRecordChars) this.tooLarge(this.elementLine, buf.slice(this.elementStart, this.elementStart + 200));
            else this.accept(buf.slice(this.elementStart, i + 1), this.elementLine);
            this.state = ArrayState.Separator;
          }
        } else if (c === 10) this.line++;
        i++;
        continue;
      }
      if (c === 10) this.line++;
      if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff) {
        i++;
        continue;
      }
      switch (this.state) {
        case ArrayState.Start:
          if (c !== 91) this.fatal = `expected a JSON array of records, found "${buf[i]}" on line ${this.line}`;
          else this.state = ArrayState.Element;
          break;
        case ArrayState.Element:
          if (c === 93) {
            // "[]", or a trailing comma before "]": no further record.
            this.state = ArrayState.Done;
            break;
          }
          if (c === 123 || c === 91) {
            this.state = ArrayState.Inside;
            this.depth = 1;
            this.elementStart = i;
            this.elementLine = this.line;
          } else {
            // A scalar element: cut it out up to the next separator and reject it.
            const end = scalarEnd(buf, i);
            // A scalar is not skipped like an object, so one over the cap stops
            // the file, whether or not its end is in the text read so far.
            if ((end === -1 ? len : end) - i > this.options.maxRecordChars) {
              this.tooLarge(this.line, buf.slice(i, i + 200));
              this.fatal = `element on line ${this.line} is larger than --max-record-bytes`;
              continue;
            }
            if (end === -1) {
              if (final) this.fatal = `unexpected "${buf[i]}" on line ${this.line}`;
              keepFrom = i;
              i = len;
              continue;
            }
            this.reject(this.line, 'MALFORMED', 'a record must be a JSON object', buf.slice(i, end));
            this.state = ArrayState.Separator;
            i = end;
            continue;
          }
          break;
        case ArrayState.Separator:
          if (c === 44 /* , */) this.state = ArrayState.Element;
          else if (c === 93) this.state = ArrayState.Done;
          else this.fatal = `expected "," or "]" on line ${this.line}, found "${buf[i]}"`;
          break;
        case ArrayState.Done:
          this.fatal = `unexpected text after the closing "]" on line ${this.line}`;
          break;
      }
      i++;
    }
    if (this.state === ArrayState.Inside) {
      if (!this.skipping && len - this.elementStart > this.options.maxRecordChars) {
        // One element larger than the cap: reject it now and scan on to its
        // end without keeping its text, so memory stays bounded.
        this.tooLarge(this.elementLine, buf.slice(this.elementStart, this.elementStart + 200));
        this.skipping = true;
      }
      keepFrom = this.skipping ? len : this.elementStart;
    }
    this.scanFrom = len - keepFrom;
    this.buf = keepFrom >= len ? '' : buf.slice(keepFrom);
    if (this.state === ArrayState.Inside) this.elementStart = 0;
  }

  private scanFrom = 0;
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
