import { randomBytes } from 'node:crypto';
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
