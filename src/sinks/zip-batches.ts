// ZIP upload batches, written with archiver. The writer keeps an upper bound
// on the final size of the open archive (central directory included) and
// rolls over to the next archive between records before that bound could
// pass --max-batch-bytes. Between exact points the bound assumes the worst
// deflate expansion for bytes not yet settled; near the limit it settles
// (a zlib sync flush) so the bound becomes exact and the batch fills up.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants } from 'node:zlib';
import { ZipArchive } from 'archiver';
import type { Model } from '../schema/index.js';
import { temporaryPath } from '../util/atomic.js';
import { PendingBatches } from './pending.js';
import { useNativeCrc32 } from './zip-crc.js';
import { batchFileName, type BatchEntryInfo, type BatchInfo, type BatchLimits, type EntryLayout } from './types.js';
import { CENTRAL_HEADER, DATA_DESCRIPTOR, deflateBound, END_OF_CENTRAL_DIRECTORY, entryOverhead, FINISH_BLOCK, LOCAL_HEADER, type EncodedLines } from './zip-layout.js';

useNativeCrc32();

/**
 * What each stream of an open archive buffers (its record source, archiver's
 * output, the file). With two batches open at once, 1 MiB buffers let a 10M-row
 * build grow to 191 MiB of peak RSS, against 146-156 MiB with these, at the
 * same speed.
 */
const STREAM_BUFFER = 256 << 10;

/**
 * The size of each buffer zlib fills with compressed bytes. Buffers of 1 MiB
 * come from glibc's malloc in the writer's thread, and once one is freed
 * malloc raises its mmap threshold above them and serves the next ones from
 * its arena, which fragmented as they came and went: in 10M-row builds the
 * arena grew from 22 to 39 MiB of RSS over the first 20 seconds, and builds
 * peaked at 156-176 MiB. Smaller buffers fragment less (arena RSS in 10M
 * builds: about 20 MiB at 64 and 128 KiB, 28 MiB at 256 KiB; peaks 144-145,
 * 146-148 and 154 MiB) but cost time, on the same CPU: 1M builds alternating
 * with 1 MiB buffers took 2-3% longer from CSV at 64 or 128 KiB, and from
 * NDJSON 6% longer at 64 KiB and 3% at 128 KiB (10.13-10.45 s against
 * 10.45-10.93 s).
 */
export const DEFLATE_CHUNK = 128 << 10;

/** A fixed entry time, so rebuilding the same input gives identical archives. */
const ENTRY_DATE = new Date(2000, 0, 1);

/**
 * The readable side handed to archiver. archiver pipes it through a
 * PassThrough of its own into the entry's deflate stream; both pipes are
 * observed so the writer can tell when every byte has reached zlib and can
 * ask zlib for a sync flush.
 */
class EntrySource extends PassThrough {
  private relay: NodeJS.ReadableStream & { readableLength?: number; writableLength?: number } | undefined;
  compressor: (Writable & { flush(kind: number, cb: () => void): void; compressedSize: number; bytesWritten: number }) | undefined;

  /** `onDrain` runs whenever zlib has taken in everything handed to it so far. */
  constructor(private readonly onDrain: () => void) {
    super({ highWaterMark: STREAM_BUFFER });
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    const relay = destination as unknown as PassThrough;
    this.relay = relay;
    const relayPipe = relay.pipe.bind(relay);
    relay.pipe = ((target: NodeJS.WritableStream, opts?: { end?: boolean }) => {
      this.compressor = target as unknown as EntrySource['compressor'];
      target.on('drain', this.onDrain);
      return relayPipe(target as never, opts);
    }) as typeof relay.pipe;
    return super.pipe(destination, options);
  }

  /** True once everything written has been handed to zlib. */
  get drainedToCompressor(): boolean {
    const relay = this.relay as PassThrough | undefined;
    return (
      this.compressor !== undefined &&
      this.writableLength === 0 &&
      this.readableLength === 0 &&
      relay !== undefined &&
      relay.writableLength === 0 &&
      relay.readableLength === 0
    );
  }
}

interface OpenEntry {
  name: string;
  info: BatchEntryInfo;
  source: EntrySource;
  /** Uncompressed bytes written since the last exact point. */
  unsettled: number;
  /** Uncompressed bytes written in all. */
  written: number;
  /** Set once archiver has finished the entry: zlib has taken in all of it. */
  closed: boolean;
}

/** A block of encoded records, written; its memory is handed back once zlib has taken in its last byte. */
interface WrittenBlock {
  text: Uint8Array;
  entry: OpenEntry;
  end: number;
}

interface OpenBatch {
  index: number;
  finalPath: string;
  tmpPath: string;
  archive: ZipArchive;
  done: Promise<void>;
  hash: ReturnType<typeof createHash>;
  failure: Error | undefined;
  file: WriteStream;
  /** Bytes of closed entries: headers, data and descriptors. */
  closedBytes: number;
  /** Central-directory bytes of every entry opened so far. */
  centralBytes: number;
  records: number;
  entries: BatchEntryInfo[];
  entry: OpenEntry | undefined;
}

export interface ZipBatchOptions extends BatchLimits {
  outDir: string;
  /** Deflate level, 0-9. */
  level: number;
  /** Batches written side by side once the output will not fit one (ZipBatchLanes; default 2). */
  lanes?: number;
}

/**
 * What the writers of one run share: batch numbers, given in the order the
 * batches are opened, and the finished files awaiting their final names.
 */
export class BatchSet {
  readonly pending = new PendingBatches();
  private opened = 0;

  open(): number {
    return ++this.opened;
  }

  /** The number of the batch opened last. */
  get last(): number {
    return this.opened;
  }
}

/**
 * One batch open at a time, filled to the limit before the next is opened.
 * ZipBatchLanes (zip-lanes.ts) runs two of these side by side on the
 * thread of ZipBatchThread (zip-thread.ts).
 */
export class ZipBatchWriter {
  private batch: OpenBatch | undefined;
  private model: Model | undefined;
  private layout: EntryLayout | undefined;
  private filled = 0;

  /** Written blocks, oldest first; zlib takes in entries and bytes in that same order. */
  private readonly unconsumed: WrittenBlock[] = [];

  /**
   * `consumed` receives each written block's text once zlib has taken in
   * all of it, so its memory can be reused: the writer keeps no reference.
   */
  constructor(
    private readonly options: ZipBatchOptions,
    private readonly consumed: (text: Uint8Array) => void = () => undefined,
    private readonly set: BatchSet = new BatchSet(),
  ) {}

  get currentBatch(): number {
    return this.set.last;
  }

  /** Batches closed because the next records would not fit. */
  get filledBatches(): number {
    return this.filled;
  }

  /** The number of the batch being written, if one is open. */
  get openBatchNumber(): number | undefined {
    return this.batch?.index;
  }

  /**
   * Compressed bytes per byte zlib has taken in, over the open entry, once
   * that is at least `sample` bytes; undefined before. zlib hands its output
   * on after every chunk it takes in, so the two counts keep close.
   */
  deflateRatio(sample: number): number | undefined {
    const compressor = this.batch?.entry?.source.compressor;
    if (!compressor || compressor.bytesWritten < sample) return undefined;
    return compressor.compressedSize / compressor.bytesWritten;
  }

  beginModel(model: Model, layout: EntryLayout): void {
    this.model = model;
    this.layout = layout;
  }

  private get entryName(): string {
    return `${this.model!.entry}.${this.layout!.extension}`;
  }

  /**
   * Writes encoded records. Each must fit an empty batch on its own
   * (tooLargeAlone): the caller rejects the others before they get here.
   */
  async write(records: EncodedLines): Promise<void> {
    const { text, ends } = records;
    const startOf = (k: number): number => (k === 0 ? 0 : ends[k - 1]);
    const { maxBytes, maxRecords } = this.options;
    const headerBytes = Buffer.byteLength(this.layout!.header);
    let i = 0;
    while (i < ends.length) {
      const batch = this.batch ?? this.openBatch();
      let entry = batch.entry;
      if (!entry) {
        if (batch.entries.length > 0 && !this.fits(batch, entryOverhead(this.entryName) + deflateBound(headerBytes + ends[i] - startOf(i)))) {
          await this.rollOver();
          continue;
        }
        entry = await this.openEntry(batch);
      }
      let take = ends.length - i;
      if (maxRecords > 0) take = Math.min(take, maxRecords - batch.records);
      if (take <= 0) {
        await this.rollOver();
        continue;
      }
      const from = startOf(i);
      const bytes = ends[i + take - 1] - from;
      if (this.fits(batch, deflateBound(entry.unsettled + bytes) - deflateBound(entry.unsettled))) {
        i += take;
        await this.writeToEntry(batch, entry, text.subarray(from, from + bytes), take, i === ends.length ? text : undefined);
        continue;
      }
      // Near the limit: make the bound exact, then add as many records as surely fit.
      await this.settle(entry);
      const room = maxBytes - this.bound(batch);
      let k = i;
      while (k < i + take && deflateBound(ends[k] - from) <= room) k++;
      if (k > i) {
        await this.writeToEntry(batch, entry, text.subarray(from, ends[k - 1]), k - i, k === ends.length ? text : undefined);
        i = k;
        continue;
      }
      if (batch.records === 0) {
        // An empty batch that cannot take the record: closing it would only open another.
        throw new Error(`internal: a ${ends[i] - from}-byte record was offered that no batch can hold`);
      }
      await this.rollOver();
    }
    this.releaseConsumed();
  }

  async endModel(): Promise<void> {
    if (this.batch?.entry) await this.closeEntry(this.batch);
    this.model = undefined;
  }

  /**
   * Closes the last batch, then gives every batch its final name. Until now
   * all of them carried temporary names, so a run that dies part-way leaves
   * no batch that looks like finished output.
   */
  async finish(): Promise<BatchInfo[]> {
    await this.close();
    return this.set.pending.commit();
  }

  async abort(): Promise<void> {
    await this.destroy();
    await this.set.pending.discard();
  }

  /** Closes the open batch, if any, leaving it to the set's commit. */
  async close(): Promise<void> {
    if (this.batch) await this.closeBatch();
  }

  /** Stops the open batch, if any, leaving its file to the set's discard. */
  async destroy(): Promise<void> {
    const batch = this.batch;
    this.batch = undefined;
    if (batch) await this.destroyBatch(batch);
  }

  /** Stops an open archive and waits until its file is closed, so it can be removed. */
  private async destroyBatch(batch: OpenBatch): Promise<void> {
    batch.entry?.source.destroy();
    batch.archive.destroy();
    await batch.done.catch(() => undefined);
    // The file may still be opening; remove it only once it is closed.
    if (!batch.file.closed) await new Promise<void>((resolve) => batch.file.once('close', () => resolve()));
  }

  /** Upper bound of the archive's final size if it were closed now. */
  private bound(batch: OpenBatch): number {
    let bytes = batch.closedBytes + batch.centralBytes + END_OF_CENTRAL_DIRECTORY;
    const entry = batch.entry;
    if (entry) {
      bytes += LOCAL_HEADER + entry.name.length + DATA_DESCRIPTOR + FINISH_BLOCK;
      bytes += (entry.source.compressor?.compressedSize ?? 0) + deflateBound(entry.unsettled);
    }
    return bytes;
  }

  private fits(batch: OpenBatch, extra: number): boolean {
    return this.bound(batch) + extra <= this.options.maxBytes;
  }

  private openBatch(): OpenBatch {
    const index = this.set.open();
    const finalPath = join(this.options.outDir, batchFileName(index, 'zip'));
    const tmpPath = temporaryPath(finalPath);
    this.set.pending.track(tmpPath);
    const archive = new ZipArchive({
      // memLevel 9 doubles zlib's match hash table (64 Ki heads, 128 KiB more
      // per stream): fewer collisions make level 6 about 4% faster on record
      // text, with the same output size (bench/ measures it).
      zlib: { level: this.options.level, memLevel: 9, chunkSize: DEFLATE_CHUNK },
      highWaterMark: STREAM_BUFFER,
    });
    const hash = createHash('sha256');
    const hasher = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    const file = createWriteStream(tmpPath, { highWaterMark: STREAM_BUFFER });
    const batch: OpenBatch = {
      file,
      index,
      finalPath,
      tmpPath,
      archive,
      hash,
      failure: undefined,
      done: Promise.resolve(),
      closedBytes: 0,
      centralBytes: 0,
      records: 0,
      entries: [],
      entry: undefined,
    };
    batch.done = pipeline(archive, hasher, file);
    batch.done.catch((error: Error) => {
      batch.failure = error;
    });
    archive.on('warning', (error: Error) => {
      batch.failure ??= error;
    });
    this.batch = batch;
    return batch;
  }

  private async openEntry(batch: OpenBatch): Promise<OpenEntry> {
    const name = this.entryName;
    const source = new EntrySource(() => this.releaseConsumed());
    const info: BatchEntryInfo = { name, model: this.model!.name, records: 0 };
    const entry: OpenEntry = { name, info, source, unsettled: 0, written: 0, closed: false };
    batch.entry = entry;
    batch.entries.push(info);
    batch.centralBytes += CENTRAL_HEADER + name.length;
    batch.archive.append(source, { name, date: ENTRY_DATE });
    const header = this.layout!.header;
    if (header.length > 0) await this.writeToEntry(batch, entry, Buffer.from(header), 0);
    return entry;
  }

  /** `block`, when given, is the text whose last part `bytes` is: it is handed back once zlib has it all. */
  private async writeToEntry(batch: OpenBatch, entry: OpenEntry, bytes: Uint8Array, records: number, block?: Uint8Array): Promise<void> {
    if (batch.failure) throw batch.failure;
    entry.unsettled += bytes.length;
    entry.written += bytes.length;
    if (block) this.unconsumed.push({ text: block, entry, end: entry.written });
    entry.info.records += records;
    batch.records += records;
    if (!entry.source.write(bytes)) await this.whileOpen(batch, once(entry.source, 'drain'));
  }

  private releaseConsumed(): void {
    while (this.unconsumed.length > 0) {
      const { text, entry, end } = this.unconsumed[0];
      if (!entry.closed && (entry.source.compressor?.bytesWritten ?? 0) < end) return;
      this.unconsumed.shift();
      this.consumed(text);
    }
  }

  /** Waits for `promise` unless the archive fails first. */
  private async whileOpen<T>(batch: OpenBatch, promise: Promise<T>): Promise<T> {
    const failed = batch.done.then(() => new Promise<never>(() => undefined));
    return Promise.race([promise, failed]);
  }

  /** Makes the bound exact: every byte written has reached zlib and been flushed out. */
  private async settle(entry: OpenEntry): Promise<void> {
    if (entry.unsettled === 0) return;
    const batch = this.batch!;
    while (!entry.source.drainedToCompressor) {
      if (batch.failure) throw batch.failure;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.whileOpen(
      batch,
      new Promise<void>((resolve) => entry.source.compressor!.flush(zlibConstants.Z_SYNC_FLUSH, resolve)),
    );
    entry.unsettled = 0;
  }

  private async closeEntry(batch: OpenBatch): Promise<void> {
    const entry = batch.entry!;
    const ended = once(batch.archive, 'entry');
    entry.source.end();
    await this.whileOpen(batch, ended);
    entry.closed = true;
    this.releaseConsumed();
    batch.closedBytes +=
      LOCAL_HEADER + entry.name.length + DATA_DESCRIPTOR + FINISH_BLOCK + (entry.source.compressor?.compressedSize ?? 0);
    batch.entry = undefined;
  }

  /** Closes a batch the next records do not fit; the next write opens another. */
  private async rollOver(): Promise<void> {
    this.filled++;
    await this.closeBatch();
  }

  private async closeBatch(): Promise<void> {
    const batch = this.batch!;
    if (batch.entry) await this.closeEntry(batch);
    this.batch = undefined;
    await batch.archive.finalize();
    await batch.done;
    const { size } = await stat(batch.tmpPath);
    if (size > this.options.maxBytes) {
      throw new Error(`internal: ${batch.finalPath} is ${size} bytes, over the ${this.options.maxBytes}-byte limit`);
    }
    this.set.pending.finish(batch.tmpPath, batch.finalPath, {
      file: batchFileName(batch.index, 'zip'),
      bytes: size,
      sha256: batch.hash.digest('hex'),
      records: batch.records,
      entries: batch.entries,
    });
  }
}
