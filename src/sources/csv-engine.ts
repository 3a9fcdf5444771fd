// A push-style RFC 4180 record parser: text in, records with their starting
// line out. It exists (rather than fast-csv or csv-parse) because the build
// needs all of: the physical line where each record starts, a located reject
// for a broken record followed by resynchronisation at the next line, and a
// cap so that one stray quote cannot swallow the file, at several hundred
// thousand rows per second (bench/parse-csv.bench.ts has the comparison).

import { NEEDS_QUOTES } from '../sinks/format.js';
import type { LocatedProblem } from './types.js';

export interface CsvEngineOptions {
  delimiter: string;
  /** A record (or one quoted field) longer than this many characters is rejected. */
  maxRecordChars: number;
  /** Collect `verbatim` (with the delimiter ",", the one the CSV output writes). */
  keepVerbatim?: boolean;
}

const NEED_MORE = 1;
const QUOTE = 34;
const CR = 13;
const LF = 10;
const SPACE = 32;

/**
 * Whether the CSV output writes this unquoted field unquoted too. It holds no
 * quote, delimiter or line feed, so only blanks alone (or a carriage return,
 * ruled out apart) would have it quoted: a first character that is neither a
 * blank nor beyond ASCII settles it, and the output's own test the rest.
 */
function plainUnquoted(field: string): boolean {
  const c = field.charCodeAt(0);
  return !(c <= SPACE || c >= 127) || !NEEDS_QUOTES.test(field);
}

interface Failure {
  code: 'MALFORMED' | 'TOO_LARGE';
  reason: string;
}

export class CsvEngine {
  rows: string[][] = [];
  lines: number[] = [];
  /**
   * With keepVerbatim, one entry a record: its own text, line feed included,
   * when that is exactly the line the CSV output writes for the same fields
   * (a line feed at its end and no carriage return anywhere, and quotes
   * around just the fields that need them, as `csvCell` puts them), else
   * undefined. A record whose fields all pass validation unchanged can then
   * be written as it came, with no joining and no quoting: for a clean
   * export that is most of the formatting work.
   */
  verbatim: (string | undefined)[] = [];
  problems: LocatedProblem[] = [];
  /** Fields every record must have; set once the header is known. Multi-line records with another count are treated as a stray quote. */
  expectedFields = 0;

  private buf = '';
  private line = 1;
  private nextQuote = -1;
  readonly delimiter: string;
  private readonly delimCode: number;
  private readonly maxRecordChars: number;
  private readonly keepVerbatim: boolean;
  /** The first carriage return at or after the record being parsed (buf.length when none): a record before it has none. */
  private nextCR = -1;
  /** Whether the quoted record being parsed is quoted as csvCell would quote it. */
  private canonical = true;
  private fields: string[] = [];
  private recordStart = 0;
  private recordNewlines = 0;
  private failure: Failure | undefined;
  private discarding = false;

  constructor(options: CsvEngineOptions) {
    this.delimiter = options.delimiter;
    this.delimCode = options.delimiter.charCodeAt(0);
    this.maxRecordChars = options.maxRecordChars;
    this.keepVerbatim = (options.keepVerbatim ?? false) && options.delimiter === ',';
  }

  /** Parses every complete record in `text` (plus what was left over before). */
  push(text: string): void {
    if (this.discarding) {
      // The rest of an over-long line that was already rejected.
      const nl = text.indexOf('\n');
      if (nl === -1) return;
      this.discarding = false;
      this.line++;
      text = text.slice(nl + 1);
    }
    this.buf = this.buf.length === 0 ? text : this.buf + text;
    this.nextQuote = -1;
    this.parse(false);
  }

  /** Parses what is left at end of input. */
  end(): void {
    if (this.discarding) return;
    this.parse(true);
    this.buf = '';
  }

  /** Hands over the records parsed so far. */
  take(): { rows: string[][]; lines: number[]; verbatim: (string | undefined)[] | undefined; problems: LocatedProblem[] } {
    const out = { rows: this.rows, lines: this.lines, verbatim: this.keepVerbatim ? this.verbatim : undefined, problems: this.problems };
    this.rows = [];
    this.lines = [];
    this.verbatim = [];
    this.problems = [];
    return out;
  }

  /** Whether buf[start, end) holds no carriage return; nextCR moves on only when passed, so a file without any is searched once a chunk. */
  private noCR(buf: string, start: number, end: number): boolean {
    if (this.nextCR < start) {
      this.nextCR = buf.indexOf('\r', start);
      if (this.nextCR === -1) this.nextCR = buf.length;
    }
    return this.nextCR >= end;
  }

  private parse(final: boolean): void {
    const buf = this.buf;
    const len = buf.length;
    const delim = this.delimiter;
    let pos = 0;
    let nextQuote = this.nextQuote;
    while (pos < len) {
      let nl = buf.indexOf('\n', pos);
      if (nl === -1) {
        if (!final) break;
        nl = len;
      }
      if (nextQuote !== len && nextQuote < pos) {
        nextQuote = buf.indexOf('"', pos);
        if (nextQuote === -1) nextQuote = len;
      }
      if (nextQuote >= nl) {
        // Fast path: a record on one line without quotes.
        const end = nl > pos && buf.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
        if (end - pos > this.maxRecordChars) this.tooLarge(buf, pos);
        else if (end > pos) {
          const fields = buf.slice(pos, end).split(delim);
          this.rows.push(fields);
          this.lines.push(this.line);
          if (this.keepVerbatim) this.verbatim.push(nl < len && this.noCR(buf, pos, nl) && fields.every(plainUnquoted) ? buf.slice(pos, nl + 1) : undefined);
        }
        this.line++;
        pos = nl + 1;
        continue;
      }
      const next = this.parseQuoted(buf, pos, final);
      if (next === NEED_MORE) break;
      if (next < 0) {
        // Broken record: report it at its first line and resume on the next line.
        const resume = buf.indexOf('\n', pos);
        this.problems.push({
          line: this.line,
          code: this.failure!.code,
          field: '',
          reason: this.failure!.reason,
          value: buf.slice(pos, resume === -1 ? Math.min(len, pos + 200) : Math.min(resume, pos + 200)),
        });
        this.line++;
        pos = resume === -1 ? len : resume + 1;
        continue;
      }
      this.line += this.recordNewlines + 1;
      pos = next;
    }
    if (!final && len - pos > this.maxRecordChars) {
      // No complete record within the cap: reject it and skip to the next line.
      const resume = buf.indexOf('\n', pos);
      this.tooLarge(buf, pos);
      if (resume === -1) {
        this.discarding = true;
        pos = len;
      } else {
        this.line++;
        pos = resume + 1;
      }
    }
    this.buf = pos >= len ? '' : buf.slice(pos);
    this.nextQuote = -1;
    this.nextCR = -1;
  }

  /**
   * Parses one record that contains a quote, starting at `start`.
   * Returns the offset after the record, NEED_MORE, or -1 with this.failure set.
   */
  private parseQuoted(buf: string, start: number, final: boolean): number {
    const len = buf.length;
    const delimCode = this.delimCode;
    const fields: string[] = [];
    this.fields = fields;
    this.recordStart = start;
    this.canonical = true;
    let newlines = 0;
    let i = start;
    // The next line end, found once per line rather than once per field.
    let lineEnd = -1;
    for (;;) {
      if (i - start > this.maxRecordChars) {
        return this.fail(final ? 'MALFORMED' : 'TOO_LARGE', `record longer than ${this.maxRecordChars} characters; an unterminated quote is likely`);
      }
      if (buf.charCodeAt(i) === QUOTE) {
        let value = '';
        let j = i + 1;
        let closed = -1;
        let doubled = false;
        for (;;) {
          const k = buf.indexOf('"', j);
          if (k === -1 || k - start > this.maxRecordChars) {
            if (!final && k === -1 && len - start <= this.maxRecordChars) return NEED_MORE;
            if (k !== -1 && newlineBetween(buf, i, start + this.maxRecordChars) === -1) {
              return this.fail('TOO_LARGE', `quoted field longer than ${this.maxRecordChars} characters (--max-record-bytes)`);
            }
            return this.fail('MALFORMED', 'quoted field is never closed');
          }
          value += buf.slice(j, k);
          if (buf.charCodeAt(k + 1) === QUOTE) {
            value += '"';
            doubled = true;
            j = k + 2;
            continue;
          }
          if (k + 1 === len && !final) return NEED_MORE;
          closed = k;
          break;
        }
        for (let n = buf.indexOf('\n', i); n !== -1 && n < closed; n = buf.indexOf('\n', n + 1)) newlines++;
        i = closed + 1;
        const c = buf.charCodeAt(i);
        fields.push(value);
        if (this.keepVerbatim && this.canonical && !doubled) this.canonical = NEEDS_QUOTES.test(value);
        if (c === delimCode) {
          i++;
          continue;
        }
        if (i >= len) return this.finishRecord(len, newlines);
        if (c === LF) return this.finishRecord(i + 1, newlines);
        if (c === CR) {
          if (i + 1 >= len && !final) return NEED_MORE;
          if (i + 1 >= len) return this.finishRecord(len, newlines);
          if (buf.charCodeAt(i + 1) === LF) return this.finishRecord(i + 2, newlines);
        }
        return this.fail('MALFORMED', `unexpected text after a closing quote (field ${fields.length})`);
      }
      // Unquoted field: runs to the next delimiter or line end.
      let d = buf.indexOf(this.delimiter, i);
      if (lineEnd < i) {
        lineEnd = buf.indexOf('\n', i);
        if (lineEnd === -1) {
          if (!final) return NEED_MORE;
          lineEnd = len;
        }
      }
      const nl = lineEnd;
      if (d === -1 || d > nl) d = -1;
      const endField = d === -1 ? (nl > i && buf.charCodeAt(nl - 1) === CR ? nl - 1 : nl) : d;
      const text = buf.slice(i, endField);
      if (text.indexOf('"') !== -1) {
        return this.fail('MALFORMED', `a quote inside an unquoted field (field ${fields.length + 1})`);
      }
      fields.push(text);
      if (this.keepVerbatim && this.canonical) this.canonical = plainUnquoted(text);
      if (d !== -1) {
        i = d + 1;
        continue;
      }
      return this.finishRecord(nl + 1, newlines);
    }
  }

  private tooLarge(buf: string, pos: number): void {
    this.problems.push({
      line: this.line,
      code: 'TOO_LARGE',
      field: '',
      reason: `record longer than ${this.maxRecordChars} characters (--max-record-bytes)`,
      value: buf.slice(pos, pos + 200),
    });
  }

  private finishRecord(next: number, newlines: number): number {
    const fields = this.fields;
    if (next - this.recordStart > this.maxRecordChars) {
      return this.fail('TOO_LARGE', `record longer than ${this.maxRecordChars} characters (--max-record-bytes)`);
    }
    if (newlines > 0 && this.expectedFields > 0 && fields.length !== this.expectedFields) {
      // A record that spans lines and has the wrong shape is almost always a
      // stray quote swallowing the following lines: reject only the first line.
      return this.fail('MALFORMED', `a quoted field spans ${newlines + 1} lines and leaves ${fields.length} fields instead of ${this.expectedFields}; an unbalanced quote is likely`);
    }
    this.rows.push(fields);
    this.lines.push(this.line);
    if (this.keepVerbatim) {
      const start = this.recordStart;
      const lineFed = this.buf.charCodeAt(next - 1) === LF;
      this.verbatim.push(this.canonical && lineFed && this.noCR(this.buf, start, next) ? this.buf.slice(start, next) : undefined);
    }
    this.recordNewlines = newlines;
    return next;
  }

  private fail(code: Failure['code'], reason: string): number {
    this.failure = { code, reason };
    return -1;
  }
}

/** Offset of the first line feed in buf[from, to), or -1. */
function newlineBetween(buf: string, from: number, to: number): number {
  const nl = buf.indexOf('\n', from);
  return nl !== -1 && nl < to ? nl : -1;
}
