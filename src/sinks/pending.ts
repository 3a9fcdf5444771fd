import { rename, rm } from 'node:fs/promises';
import type { BatchInfo } from './types.js';

/**
 * The files a batch sink has written, kept under temporary names until the
 * whole run has succeeded: a run that dies part-way leaves no batch that
 * looks like finished output, and an aborted one leaves nothing at all.
 */
export class PendingBatches {
  private readonly temporaries = new Set<string>();
  private readonly finished: { tmpPath: string; finalPath: string; info: BatchInfo }[] = [];

  /** A temporary file now being written. */
  track(tmpPath: string): void {
    this.temporaries.add(tmpPath);
  }

  /** A temporary file that was removed again. */
  forget(tmpPath: string): void {
    this.temporaries.delete(tmpPath);
  }

  /** A complete batch, to be renamed by commit(). */
  finish(tmpPath: string, finalPath: string, info: BatchInfo): void {
    this.finished.push({ tmpPath, finalPath, info });
  }

  /** Gives every finished batch its final name; they are listed in the order of their numbers. */
  async commit(): Promise<BatchInfo[]> {
    // Batches written side by side (zip-lanes.ts) may finish out of order.
    this.finished.sort((a, b) => a.info.file.localeCompare(b.info.file, 'en', { numeric: true }));
    for (const { tmpPath, finalPath } of this.finished) {
      await rename(tmpPath, finalPath);
      this.temporaries.delete(tmpPath);
    }
    return this.finished.map((f) => f.info);
  }

  /** Removes every temporary file. */
  async discard(): Promise<void> {
    await Promise.all([...this.temporaries].map((path) => rm(path, { force: true })));
    this.temporaries.clear();
  }
}
