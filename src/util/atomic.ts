import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * A temporary sibling of a final path. Outputs are written here and renamed
 * only once complete, so a crash never leaves a file under its final name
 * that is not whole. The ".partial" suffix makes leftovers easy to spot.
 */
export function temporaryPath(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${randomBytes(4).toString('hex')}.partial`);
}

export async function writeFileAtomic(finalPath: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporaryPath(finalPath);
  try {
    await writeFile(tmp, data);
    await rename(tmp, finalPath);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Hands one chunk to the file, waiting while the disk is behind. */
export type ChunkWriter = (chunk: string | Uint8Array) => Promise<void>;

/**
 * Streams a file into place atomically: `produce` writes through the given
 * writer (with backpressure), then the file is renamed to `finalPath`. On any
 * failure the temporary file is removed and the error passes on. Resolves
 * with the bytes written.
 */
export async function writeStreamAtomic(finalPath: string, produce: (write: ChunkWriter) => Promise<void>): Promise<number> {
  const tmp = temporaryPath(finalPath);
  const out = createWriteStream(tmp, { highWaterMark: 1 << 20 });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  const write: ChunkWriter = async (chunk) => {
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
  };
  try {
    await produce(write);
    out.end();
    await Promise.race([once(out, 'close'), failed]);
    await rename(tmp, finalPath);
    return out.bytesWritten;
  } catch (error) {
    out.destroy();
    await rm(tmp, { force: true });
    throw error;
  }
}
