// A push engine for multipart/form-data bodies: bytes in, the bytes of each
// file part out. It holds at most one delimiter's length of body, so an
// upload of any size passes through in bounded memory.

export type MultipartEvent =
  | { kind: 'file'; field: string; filename: string }
  | { kind: 'data'; bytes: Buffer }
  | { kind: 'end-file' };

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
/** Part headers are a few lines; more than this is not a form. */
const MAX_HEADER_BYTES = 16 * 1024;

export class MultipartError extends Error {}

/** The boundary parameter of a multipart/form-data content type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

export class MultipartScanner {
  private buf: Buffer = Buffer.alloc(0);
  private state: 'preamble' | 'headers' | 'body' | 'after-delimiter' | 'done' = 'preamble';
  private inFile = false;
  /** "\r\n--boundary": what ends every part body. */
  private readonly delimiter: Buffer;
  private readonly first: Buffer;

  constructor(boundary: string) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
    this.first = Buffer.from(`--${boundary}`);
  }

  get done(): boolean {
    return this.state === 'done';
  }

  push(chunk: Buffer): MultipartEvent[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const events: MultipartEvent[] = [];
    for (;;) {
      if (this.state === 'preamble') {
        // A body may start with the delimiter directly (no preceding CRLF).
        const at = this.buf.indexOf(this.first);
        if (at === -1) {
          this.buf = this.buf.subarray(Math.max(0, this.buf.length - this.first.length));
          return events;
        }
        this.buf = this.buf.subarray(at + this.first.length);
        this.state = 'after-delimiter';
      } else if (this.state === 'after-delimiter') {
        if (this.buf.length < 2) return events;
        if (this.buf[0] === 45 && this.buf[1] === 45) {
          this.state = 'done';
          this.buf = Buffer.alloc(0);
          return events;
        }
        if (!this.buf.subarray(0, 2).equals(CRLF)) throw new MultipartError('malformed multipart delimiter');
        this.buf = this.buf.subarray(2);
        this.state = 'headers';
      } else if (this.state === 'headers') {
        const end = this.buf.indexOf(HEADER_END);
        if (end === -1) {
          if (this.buf.length > MAX_HEADER_BYTES) throw new MultipartError('multipart part headers too long');
          return events;
        }
        const headers = this.buf.subarray(0, end).toString('utf8');
        this.buf = this.buf.subarray(end + HEADER_END.length);
        const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
        const field = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
        const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
        this.inFile = filename !== undefined;
        if (this.inFile) events.push({ kind: 'file', field, filename: filename! });
        this.state = 'body';
      } else if (this.state === 'body') {
        const at = this.buf.indexOf(this.delimiter);
        if (at === -1) {
          // Keep what could be the start of a delimiter cut by the chunk boundary.
          const keep = Math.min(this.buf.length, this.delimiter.length - 1);
          const ready = this.buf.subarray(0, this.buf.length - keep);
          if (this.inFile && ready.length > 0) events.push({ kind: 'data', bytes: ready });
          this.buf = this.buf.subarray(this.buf.length - keep);
          return events;
        }
        if (this.inFile) {
          if (at > 0) events.push({ kind: 'data', bytes: this.buf.subarray(0, at) });
          events.push({ kind: 'end-file' });
        }
        this.inFile = false;
        this.buf = this.buf.subarray(at + this.delimiter.length);
        this.state = 'after-delimiter';
      } else {
        return events;
      }
    }
  }

  /** Throws unless the body ended with the closing delimiter. */
  end(): void {
    if (this.state !== 'done') throw new MultipartError('multipart body ended before its closing delimiter');
  }
}
