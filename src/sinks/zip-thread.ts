// ZIP batches written on a thread of their own (zip-thread-worker.ts).
//
// Why: zlib deflates in the libuv pool, but each finished chunk is handed
// back through the event loop of the thread that owns the stream. On the
// main thread that loop is busy parsing and validating the next batch, so
// the two took turns: the main thread waited on deflate for 40% of a build,
// and deflate waited on it in between. The worker's loop does nothing else,
// so deflate is fed again as soon as a chunk is done.
//
// Lines cross as UTF-8 bytes in a transferred buffer, not as strings, so
// nothing is copied and the worker's heap holds no record text; the writer
// hands each buffer back once zlib has read it, for the next batch. Lines
// are encoded as they are written, so that no line outlives its batch as a
// string (a line may be a slice of its input chunk, see CsvEngine.verbatim,
// and would keep the whole chunk alive), and gather in the buffer until a
// message is worth its cost (SEND_BYTES). Writes are not
// waited for one by one: up to IN_FLIGHT messages are queued ahead of the
// writer, which is the backpressure. The lines too large for any batch are
// found here, before they are sent, because the caller needs them at once
// to reject them.
import { Worker } from 'node:worker_threads';
import type { Model } from '../schema/index.js';
import type { ZipBatchOptions } from './zip-batches.js';
import { tooLargeAlone, type EncodedLines } from './zip-layout.js';
import type { BatchInfo, BatchSink, EntryLayout } from './types.js';

export type SinkRequest =
  | { op: 'begin'; model: string; layout: EntryLayout }
  | { op: 'write'; records: EncodedLines; shareRead?: number }
  | { op: 'end' }
  | { op: 'finish' }
  | { op: 'abort' };

export interface WireError {
  message: string;
  stack?: string;
  code?: string;
  syscall?: string;
  errno?: number;
  path?: string;
}

/** One reply per request, in order; and record buffers handed back for reuse. */
export type SinkMessage =
  | { kind: 'reply'; ok: true; batch: number; value: unknown }
  | { kind: 'reply'; ok: false; batch: number; error: WireError }
  | { kind: 'released'; buffer: ArrayBuffer };

/**
 * Lines are sent once this many bytes have gathered: a message costs about
 * 0.1 ms, and a read chunk of JSON gives only some 50 KB of CSV lines.
 */
const SEND_BYTES = 256 << 10;
/** Messages of lines queued ahead of the writer. */
const IN_FLIGHT = 4;
/** The writer thread's young generation (1M NDJSON/JSON builds: 204-222 -> 185-199 MiB peak RSS). */
const WORKER_YOUNG_MB = 2;
/** Smallest record buffer; most batches of lines fit one. */
const BUFFER_BYTES = 512 << 10;
/** Free buffers kept for reuse; the writer holds a few more while zlib takes them in. */
const SPARE_BUFFERS = 8;

interface Waiter {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class ZipBatchThread implements BatchSink {
  private readonly worker: Worker;
  /** One per request sent, in order: the worker replies in the same order. */
  private readonly waiters: Waiter[] = [];
  private readonly writes: Promise<unknown>[] = [];
  private batch = 0;
  private entryName = '';
  private headerBytes = 0;
  private exited: Error | undefined;
  private readonly spare: ArrayBuffer[] = [];
  /** Lines encoded for the next message. */
  private gathered: LineEncoder | undefined;
  /** The share of the model's input read, as last told (readShare). */
  private shareRead: number | undefined;

  constructor(private readonly options: ZipBatchOptions) {
    // The writer's own objects are few and short-lived; V8's default young
    // generation let its garbage pile up to some 20 MiB of peak RSS.
    this.worker = new Worker(new URL('./zip-thread-worker.js', import.meta.url), {
      workerData: options,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
    });
    this.worker.on('message', (reply: SinkMessage) => {
      if (reply.kind === 'released') {
        if (this.spare.length < SPARE_BUFFERS) this.spare.push(reply.buffer);
        return;
      }
      this.batch = reply.batch;
      const waiter = this.waiters.shift()!;
      if (this.waiters.length === 0) this.worker.unref();
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(Object.assign(new Error(reply.error.message), reply.error));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`internal: the ZIP writer thread stopped (exit code ${code})`)));
    // The thread keeps the process alive only while a reply is awaited: a
    // run that fails before it could finish or abort the sink still exits.
    // (After the listeners: adding a message listener refs the port again.)
    this.worker.unref();
  }

  get currentBatch(): number {
    return this.batch;
  }

  beginModel(model: Model, layout: EntryLayout): void {
    this.entryName = `${model.entry}.${layout.extension}`;
    this.headerBytes = Buffer.byteLength(layout.header);
    this.shareRead = undefined;
    // A failure here also fails every later request, so it is seen at the next wait.
    this.send({ op: 'begin', model: model.name, layout: { extension: layout.extension, header: layout.header } }).catch(() => undefined);
  }

  readShare(share: number): void {
    this.shareRead = share;
  }

  async write(lines: readonly string[]): Promise<number[]> {
    const tooLarge: number[] = [];
    const { maxBytes } = this.options;
    let bytes = 0;
    for (let i = 0; i < lines.length; i++) {
      const length = Buffer.byteLength(lines[i]);
      if (tooLargeAlone(this.entryName, this.headerBytes, length, maxBytes)) tooLarge.push(i);
      else bytes += length;
    }
    if (bytes === 0) return tooLarge;
    if (this.gathered && this.gathered.room < bytes) await this.sendGathered();
    const gathered = (this.gathered ??= new LineEncoder(this.buffer(bytes)));
    let next = 0;
    for (let i = 0; i < lines.length; i++) {
      if (tooLarge[next] === i) next++;
      else gathered.add(lines[i]);
    }
    if (gathered.bytes >= SEND_BYTES) await this.sendGathered();
    return tooLarge;
  }

  private async sendGathered(): Promise<void> {
    if (!this.gathered) return;
    const records = this.gathered.take();
    this.gathered = undefined;
    const written = this.send({ op: 'write', records, shareRead: this.shareRead }, [records.text.buffer as ArrayBuffer]);
    written.catch(() => undefined);
    this.writes.push(written);
    if (this.writes.length >= IN_FLIGHT) await this.writes.shift();
  }

  async endModel(): Promise<void> {
    await this.sendGathered();
    await this.settleWrites();
    await this.send({ op: 'end' });
  }

  async finish(): Promise<BatchInfo[]> {
    try {
      await this.sendGathered();
      await this.settleWrites();
      return (await this.send({ op: 'finish' })) as BatchInfo[];
    } finally {
      await this.stop();
    }
  }

  async abort(): Promise<void> {
    this.writes.length = 0;
    this.gathered = undefined;
    try {
      await this.send({ op: 'abort' });
    } catch {
      // The writer had already failed or gone; its temporary files are cleaned by the next run.
    } finally {
      await this.stop();
    }
  }

  /** A buffer of at least `bytes`: a spare one handed back by the writer, or a new one. */
  private buffer(bytes: number): ArrayBuffer {
    const fit = this.spare.findIndex((b) => b.byteLength >= bytes);
    return fit >= 0 ? this.spare.splice(fit, 1)[0] : new ArrayBuffer(Math.max(BUFFER_BYTES, bytes));
  }

  private async settleWrites(): Promise<void> {
    while (this.writes.length > 0) await this.writes.shift();
  }

  private send(request: SinkRequest, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      if (this.waiters.length === 0) this.worker.ref();
      this.waiters.push({ resolve, reject });
      this.worker.postMessage(request, transfer);
    });
  }

  private fail(error: Error): void {
    this.exited ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private async stop(): Promise<void> {
    this.exited ??= new Error('internal: the ZIP writer thread was already stopped');
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * Lines written as UTF-8 straight into a buffer of their own (so it can be
 * transferred), with the offset past each. Joining them first cost a copy
 * of every message (400k bench lines: 115-120 → 69-70 ms).
 */
class LineEncoder {
  private readonly out: Buffer;
  private readonly ends: number[] = [];
  bytes = 0;

  constructor(buffer: ArrayBuffer) {
    this.out = Buffer.from(buffer);
  }

  /** Bytes still free. */
  get room(): number {
    return this.out.length - this.bytes;
  }

  /** Adds a line that fits the room left (the caller measured it). */
  add(line: string): void {
    this.bytes += this.out.write(line, this.bytes);
    this.ends.push(this.bytes);
  }

  take(): EncodedLines {
    return { text: new Uint8Array(this.out.buffer, 0, this.bytes), ends: Uint32Array.from(this.ends) };
  }
}

/** The lines as UTF-8 in a buffer of their own from `buffer`, and the offset past each. */
export function encodeLines(lines: readonly string[], buffer: (bytes: number) => ArrayBuffer): EncodedLines {
  let length = 0;
  for (const line of lines) length += Buffer.byteLength(line);
  const encoder = new LineEncoder(buffer(length));
  for (const line of lines) encoder.add(line);
  return encoder.take();
}
