import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { DataError } from '../errors.js';
import { decodeText } from './decode.js';
import type { InputFile } from './detect.js';

/**
 * Batches follow these chunks. 256 KiB keeps per-chunk overhead low while a
 * batch's records still die young: with 1 MiB chunks a batch outlived
 * several scavenges, was promoted, and peak RSS rose by ~130 MiB (1M rows:
 * 306 -> 179 MiB) with no gain in speed.
 */
export const READ_CHUNK_BYTES = 1 << 18;

/** What reading needs of an input: where it is and whether it is gzipped. */
export type FileToRead = Pick<InputFile, 'path' | 'gzip'>;

export interface ReadOptions {
  encoding?: 'utf-8' | 'latin1';
  /** Called with the size of every compressed-or-raw chunk read from disk, for progress. */
  onBytes?: (bytes: number) => void;
  signal?: AbortSignal;
  /** Only these bytes of an uncompressed file: [start, end). */
  range?: { start: number; end: number };
}

/** The file's bytes, gunzipped when it is .gz, chunk by chunk. */
export function readBytes(file: FileToRead, options: ReadOptions = {}): AsyncIterable<Buffer> {
  const range = options.range && !file.gzip ? { start: options.range.start, end: options.range.end - 1 } : {};
  const raw = createReadStream(file.path, { highWaterMark: READ_CHUNK_BYTES, signal: options.signal, ...range });
  if (options.onBytes) {
    const onBytes = options.onBytes;
    raw.on('data', (chunk) => onBytes(chunk.length));
  }
  if (!file.gzip) return raw as AsyncIterable<Buffer>;
  const bytes = raw.pipe(createGunzip({ chunkSize: READ_CHUNK_BYTES }));
  raw.on('error', (error) => bytes.destroy(error));
  return gunzipped(bytes as AsyncIterable<Buffer>, file.path);
}

/** A broken .gz is a defect of that file, not a crash. */
async function* gunzipped(bytes: AsyncIterable<Buffer>, path: string): AsyncGenerator<Buffer> {
  try {
    yield* bytes;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) throw new DataError('MALFORMED_FILE', `${path}: not a valid gzip file (${(error as Error).message})`);
    throw error;
  }
}

/** The file's text, decoded chunk by chunk; never the whole file at once. */
export function readText(file: FileToRead, options: ReadOptions = {}): AsyncGenerator<string> {
  return decodeText(readBytes(file, options), file.path, options.encoding);
}
