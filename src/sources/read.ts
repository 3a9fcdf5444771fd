import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { decodeText } from './decode.js';
import type { InputFile } from './detect.js';

/** Large reads keep per-chunk overhead low; batches follow these chunks. */
export const READ_CHUNK_BYTES = 1 << 20;

export interface ReadOptions {
  encoding?: 'utf-8' | 'latin1';
  /** Called with the size of every compressed-or-raw chunk read from disk, for progress. */
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** The file's text, decoded chunk by chunk; never the whole file at once. */
export function readText(file: InputFile, options: ReadOptions = {}): AsyncGenerator<string> {
  const raw = createReadStream(file.path, { highWaterMark: READ_CHUNK_BYTES, signal: options.signal });
  if (options.onBytes) {
    const onBytes = options.onBytes;
    raw.on('data', (chunk) => onBytes(chunk.length));
  }
  const bytes = file.gzip ? raw.pipe(createGunzip({ chunkSize: READ_CHUNK_BYTES })) : raw;
  if (file.gzip) raw.on('error', (error) => bytes.destroy(error));
  return decodeText(bytes as AsyncIterable<Buffer>, file.path, options.encoding);
}
