import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/**
 * The API key from a flag, a file (first line) or SAGE_API_KEY, in that
 * order. The key itself never goes into a message; errors name only where it
 * was looked for.
 */
export async function resolveApiKey(flag: string | undefined, file: string | undefined): Promise<string | undefined> {
  if (flag !== undefined) return flag.trim() || undefined;
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--api-key-file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    const key = text.split(/\r?\n/)[0].trim();
    if (key === '') throw new UsageError(`--api-key-file ${file}: the file is empty`);
    return key;
  }
  return process.env.SAGE_API_KEY?.trim() || undefined;
}
