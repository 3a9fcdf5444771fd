// ZIP batches written two at a time, so that two cores deflate.
//
// Why: an archive's entry is one zlib stream, deflated on one thread, so a
// build whose output fills batches one after another can go no faster than
// one core deflates, and its own work only adds to that. Once the output
// has filled a batch (so there will be more than one anyway), each message
// of records goes to the next of two open batches in turn, and their two
// zlib streams run on two threads of the libuv pool at once. Until then
// there is one open batch: output that fits one batch is written as one.
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

  /** `consumed` is as for ZipBatchWriter. */
  constructor(options: ZipBatchOptions, consumed: (text: Uint8Array) => void = () => undefined) {
    const lanes = Math.max(1, options.lanes ?? DEFAULT_LANES);
    this.lanes = Array.from({ length: lanes }, () => new ZipBatchWriter(options, consumed, this.set));
  }

  get currentBatch(): number {
    return this.set.last;
  }

  beginModel(model: Model, layout: EntryLayout): void {
    for (const lane of this.lanes) lane.beginModel(model, layout);
    this.selfReferring = referencesOf(model).some((ref) => ref.target === model.name);
  }

  async write(records: EncodedLines): Promise<void> {
    const lane = this.lanes[this.next];
    await lane.write(records);
    if (this.inUse === 1 && !this.selfReferring && lane.filledBatches > this.filledAlone) this.inUse = this.lanes.length;
    this.next = (this.next + 1) % this.inUse;
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
