// ZIP batches written two at a time, so that two cores deflate.
//
// Why: an archive's entry is one zlib stream, deflated on one thread, so a
// build whose output fills batches one after another can go no faster than
// one core deflates, and its own work only adds to that. Once the output
// will not fit one batch, each message of records goes to the next of two
// open batches in turn, and their two zlib streams run on two threads of
// the libuv pool at once. Until then there is one open batch: output that
// fits one batch is written as one.
//
// When: as soon as a batch has filled, or earlier by a forecast. The
// caller may say what share of the model's input it has read; the model's
// output so far, scaled by that share and by how well deflate has shrunk it,
// forecasts the model's compressed size. Once that is clearly over one
// batch, the batches are spread from there on, so even a build of two
// batches is deflated on two cores nearly throughout. A forecast can be
// wrong when an input's later part writes much less than its first (a delta
// whose window keeps only the early records): then output that would have
// fitted one batch comes as two part-filled ones.
//
// Order: a child must never land in a batch numbered below one holding
// its parent's model, and batches are numbered in the order they open. So
// when a model ends, only the newest open batch is kept for the next model
// and the others are closed, part-filled; and a model whose records refer
// to one another (Company's parent company) is written one batch at a
// time, as the input gives it. Every record is still in exactly one batch.
import { referencesOf, type Model } from '../schema/index.js';
import type { BatchInfo, EntryLayout } from './types.js';
import { BatchSet, ZipBatchWriter, type ZipBatchOptions } from './zip-batches.js';
import type { EncodedLines } from './zip-layout.js';

const DEFAULT_LANES = 2;
/** A forecast is made once at least this share of the model's input has been read... */
const FORECAST_MIN_SHARE = 0.01;
/** ...and deflate has taken in this much of it (or a quarter of the batch limit, if less), to know how well it shrinks. */
const FORECAST_SAMPLE_BYTES = 4 << 20;
/** Batches are spread when the model's forecast output exceeds the limit by this factor: a forecast is not exact. */
const SPREAD_OVER = 1.1;

export class ZipBatchLanes {
  private readonly set = new BatchSet();
  /** The lanes in use come first; the first holds the newest batch when one alone is in use. */
  private readonly lanes: ZipBatchWriter[];
  private inUse = 1;
  private next = 0;
  /** Batches the first lane had filled when it was left alone; one more and the others join it. */
  private filledAlone = 0;
  /** Whether the current model's records may refer to one another. */
  private selfReferring = false;
  /** Bytes of records of the current model written so far. */
  private modelBytes = 0;
  /** The batch limit (--max-batch-bytes). */
  private readonly maxBytes: number;

  /** `consumed` is as for ZipBatchWriter. */
  constructor(options: ZipBatchOptions, consumed: (text: Uint8Array) => void = () => undefined) {
    this.maxBytes = options.maxBytes;
    const lanes = Math.max(1, options.lanes ?? DEFAULT_LANES);
    this.lanes = Array.from({ length: lanes }, () => new ZipBatchWriter(options, consumed, this.set));
  }

  get currentBatch(): number {
    return this.set.last;
  }

  beginModel(model: Model, layout: EntryLayout): void {
    for (const lane of this.lanes) lane.beginModel(model, layout);
    this.selfReferring = referencesOf(model).some((ref) => ref.target === model.name);
    this.modelBytes = 0;
  }

  /** `shareRead`, when known, is the share (0-1) of the model's input read by the time these records were: see the forecast above. */
  async write(records: EncodedLines, shareRead?: number): Promise<void> {
    const lane = this.lanes[this.next];
    await lane.write(records);
    this.modelBytes += records.text.length;
    if (this.inUse === 1 && !this.selfReferring && (lane.filledBatches > this.filledAlone || this.outgrowsBatch(lane, shareRead))) {
      this.inUse = this.lanes.length;
    }
    this.next = (this.next + 1) % this.inUse;
  }

  /** Whether the model's forecast compressed output clearly exceeds one batch. */
  private outgrowsBatch(lane: ZipBatchWriter, shareRead: number | undefined): boolean {
    if (shareRead === undefined || shareRead < FORECAST_MIN_SHARE) return false;
    const ratio = lane.deflateRatio(Math.min(FORECAST_SAMPLE_BYTES, this.maxBytes / 4));
    return ratio !== undefined && (this.modelBytes / shareRead) * ratio > SPREAD_OVER * this.maxBytes;
  }

  async endModel(): Promise<void> {
    for (const lane of this.lanes) await lane.endModel();
    await this.keepNewestOnly();
  }

  async finish(): Promise<BatchInfo[]> {
    for (const lane of this.lanes) await lane.close();
    return this.set.pending.commit();
  }

  async abort(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.destroy()));
    await this.set.pending.discard();
  }

  /** Closes every open batch but the newest, which becomes the first lane's, alone in use. */
  private async keepNewestOnly(): Promise<void> {
    const newest = this.lanes.reduce((best, lane) => ((lane.openBatchNumber ?? 0) > (best.openBatchNumber ?? 0) ? lane : best));
    for (const lane of this.lanes) if (lane !== newest) await lane.close();
    this.lanes.splice(this.lanes.indexOf(newest), 1);
    this.lanes.unshift(newest);
    this.inUse = 1;
    this.next = 0;
    this.filledAlone = newest.filledBatches;
  }
}
