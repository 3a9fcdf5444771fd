// A push engine for length-delimited protobuf: bytes in, one decoded record
// per message out. Each message is a varint length prefix and that many
// bytes. A prefix larger than --max-record-bytes is rejected with its byte
// offset and its bytes are skipped as they stream past, never buffered; a
// message cut off by the end of the file is rejected the same way. Memory
// holds at most one message.

import { RecordCollector, type JsonRecord } from './types.js';

export interface ProtobufEngineOptions {
  maxRecordBytes: number;
  /** Decodes one message's bytes; throws when they are not a valid message. */
  decode: (bytes: Uint8Array) => JsonRecord;
}

/** A varint is at most 10 bytes. */
const MAX_VARINT_BYTES = 10;

/** For protobuf the "line" of a record is its message number, 1-based. */
export class ProtobufEngine extends RecordCollector {
  private buf: Buffer = Buffer.alloc(0);
  /** File offset of buf[0]. */
  private offset = 0;
  private messages = 0;
  /** Bytes of an oversized message still to skip. */
  private skipping = 0;
  /** Set once framing is lost (a broken length prefix): the rest cannot be read. */
  private lost = false;

  constructor(private readonly options: ProtobufEngineOptions) {
    super();
  }

  push(chunk: Buffer): void {
    if (this.lost) return;
    let data = chunk;
    if (this.skipping > 0) {
      const skipped = Math.min(this.skipping, data.length);
      this.skipping -= skipped;
      this.offset += skipped;
      data = data.subarray(skipped);
    }
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    this.parse();
  }

  end(): void {
    if (this.lost || this.buf.length === 0) return;
    const prefix = readVarint(this.buf, 0);
    const at = this.offset;
    if (prefix === undefined || prefix.bytes === 0) {
      this.reject(this.messages + 1, at, 'the file ends inside a length prefix');
    } else {
      this.reject(this.messages + 1, at, `the message is cut off: its prefix announces ${prefix.value} bytes, the file ends after ${this.buf.length - prefix.bytes}`);
    }
    this.buf = Buffer.alloc(0);
  }

  private parse(): void {
    const buf = this.buf;
    let pos = 0;
    while (pos < buf.length) {
      const prefix = readVarint(buf, pos);
      if (prefix === undefined) {
        this.lost = true;
        this.reject(this.messages + 1, this.offset + pos, 'broken length prefix (more than 10 varint bytes); the rest of the file cannot be framed');
        pos = buf.length;
        break;
      }
      if (prefix.bytes === 0) break;
      const start = pos + prefix.bytes;
      const length = prefix.value;
      if (length > this.options.maxRecordBytes) {
        const number = ++this.messages;
        this.reject(number, this.offset + pos, `length prefix of ${length} bytes is larger than --max-record-bytes (${this.options.maxRecordBytes}); the message is skipped`);
        const available = buf.length - start;
        if (available >= length) {
          pos = start + length;
          continue;
        }
        this.skipping = length - available;
        pos = buf.length;
        break;
      }
      if (buf.length - start < length) break;
      const number = ++this.messages;
      try {
        this.objects.push(this.options.decode(buf.subarray(start, start + length)));
        this.lines.push(number);
      } catch (error) {
        this.reject(number, this.offset + pos, `not a valid message: ${(error as Error).message}`);
      }
      pos = start + length;
    }
    this.offset += pos;
    // Copy the leftover so a large chunk is not kept alive by a small tail.
    this.buf = pos === 0 ? buf : pos >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
  }

  private reject(message: number, offset: number, reason: string): void {
    this.problems.push({ line: message, code: 'MALFORMED', field: '', reason: `message ${message} at byte offset ${offset}: ${reason}`, value: `byte offset ${offset}` });
  }
}

/** A varint at `pos`: its value and byte count; bytes 0 when more input is needed; undefined when broken. */
function readVarint(buf: Buffer, pos: number): { value: number; bytes: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (pos + i >= buf.length) return { value: 0, bytes: 0 };
    const byte = buf[pos + i];
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return { value, bytes: i + 1 };
  }
  return undefined;
}
