import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { DataError } from '../errors.js';
import { decodeText } from './decode.js';
import type { InputFile } from './detect.js';

/**
 * Batches follow these chunks, so the size is a memory choice: a batch's
 * records must die young. With 1 MiB chunks a batch outlived several
 * scavenges, was promoted, and peak RSS of a 1M-row build was 306 MiB; 256
 * KiB brought it to about 190 MiB. The ZIP writer's thread costs about 25
 * MiB more, and smaller chunks win that back for CSV at no loss of speed.
 *
 * Just under 128 KiB: a chunk's text (with the end of a line carried over
 * from the last) must stay below V8's large-object size (128 KiB). A large
 * object is allocated and freed page by page, with system calls: 128 KiB
 * chunks had a 1M-row JSON build spend 3.4-4.3 s in the kernel and about
 * 1.5 s turning bytes into text; 120 KiB chunks made it 15-26% faster.
 */
export const READ_CHUNK_BYTES = 120 << 10;

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
