import type { Model } from '../schema/index.js';
import type { LineFormatter } from './format.js';

export interface BatchEntryInfo {
  name: string;
  model: string;
  records: number;
}

export interface BatchInfo {
  file: string;
  bytes: number;
  sha256: string;
  records: number;
  entries: BatchEntryInfo[];
}

export interface BatchLimits {
  /** No output file may be larger than this, central directory included. */
  maxBytes: number;
  /** Records per batch; 0 for no cap. */
  maxRecords: number;
}

/**
 * Where formatted records go. Models arrive one at a time, parents first;
 * the sink cuts batches at the limits and names them batch-0001, ....
 */
/** What a sink needs of a model's formatter: the entry's extension and its opening text. */
export type EntryLayout = Pick<LineFormatter, 'extension' | 'header'>;

export interface BatchSink {
  /** Number of the batch being written (1 for batch-0001), or of the last one closed; 0 before any. */
  readonly currentBatch?: number;
  beginModel(model: Model, layout: EntryLayout): void;
  /**
   * Writes records, each one complete line. Resolves with the indexes of the
   * lines that cannot fit even an empty batch; the caller rejects them.
   */
  write(lines: readonly string[]): Promise<number[]>;
  /**
   * Tells the sink what share (0-1, by bytes) of the current model's input
   * has been read so far, when that is known; a sink may plan its batches
   * by it (ZipBatchLanes' forecast).
   */
  readShare?(share: number): void;
  endModel(): Promise<void>;
  /** Closes the last batch and renames every batch to its final name. */
  finish(): Promise<BatchInfo[]>;
  /** Stops and removes every temporary file. */
  abort(): Promise<void>;
}

export function batchFileName(index: number, extension: string): string {
  return `batch-${String(index).padStart(4, '0')}.${extension}`;
}
