// How many records a file probably holds, from its size and the line breaks
// in its first bytes. Key indexes are sized from it up front: growing one
// step by step rehashes every key more than once and leaves the old arrays
// to the garbage collector, which let the peak RSS of large runs climb far
// past the indexes' own size.

import { open } from 'node:fs/promises';
import type { InputFile } from './detect.js';

const SAMPLE_BYTES = 256 << 10;

/**
 * Records in a CSV or NDJSON file, estimated from the lines of its first
 * 256 KiB (exact when the file is smaller; keys that lengthen down the
 * file make it run a few percent high); undefined where lines say
 * nothing about records (JSON arrays, protobuf) or the size on disk is not
 * the text's size (gzip).
 */
export async function estimateRecords(file: InputFile, bytes: number): Promise<number | undefined> {
  if (file.gzip || (file.format !== 'csv' && file.format !== 'ndjson') || bytes === 0) return undefined;
  const handle = await open(file.path, 'r');
  try {
    const sample = Buffer.alloc(Math.min(SAMPLE_BYTES, bytes));
    const { bytesRead } = await handle.read(sample, 0, sample.length, 0);
    let lines = 0;
    for (let at = sample.indexOf(10, 0); at !== -1 && at < bytesRead; at = sample.indexOf(10, at + 1)) lines++;
    if (bytesRead >= bytes) return lines + 1;
    if (lines < 2) return undefined;
    return Math.ceil((bytes * lines) / bytesRead);
  } finally {
    await handle.close();
  }
}
