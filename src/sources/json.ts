import { DataError } from '../errors.js';
import { JsonArrayEngine, NdjsonEngine } from './json-engine.js';
import type { SourceBatch } from './types.js';

export interface JsonOptions {
  maxRecordChars: number;
}

/** NDJSON or JSON-array text to record batches. */
export async function* jsonBatches(
  texts: AsyncIterable<string>,
  format: 'ndjson' | 'json',
  file: string,
  options: JsonOptions,
): AsyncGenerator<SourceBatch> {
  const engine = format === 'ndjson' ? new NdjsonEngine(options) : new JsonArrayEngine(options);
  const emit = (): SourceBatch | undefined => {
    const { objects, lines, problems } = engine.take();
    if (objects.length === 0 && problems.length === 0) return undefined;
    return { kind: 'objects', objects, lines, problems };
  };
  for await (const text of texts) {
    engine.push(text);
    const batch = emit();
    if (batch) yield batch;
    if (engine instanceof JsonArrayEngine && engine.fatal) break;
  }
  if (!(engine instanceof JsonArrayEngine && engine.fatal)) engine.end();
  const batch = emit();
  if (batch) yield batch;
  if (engine instanceof JsonArrayEngine && engine.fatal) {
    throw new DataError('MALFORMED_FILE', `${file}: ${engine.fatal}`);
  }
}

/**
 * Every object key that occurs in JSON text, at any depth. Used before a
 * build to learn which columns a JSON input supplies, since a CSV entry's
 * header must be written before its first row. Keys inside string values may
 * also match; that only ever adds a candidate, never loses one.
 */
export async function scanJsonKeys(texts: AsyncIterable<string>): Promise<Set<string>> {
  const keys = new Set<string>();
  const pattern = /"((?:[^"\\\n]|\\.){1,200})"\s*:/g;
  let tail = '';
  for await (const text of texts) {
    const chunk = tail + text;
    pattern.lastIndex = 0;
    let lastEnd = 0;
    for (let m = pattern.exec(chunk); m; m = pattern.exec(chunk)) {
      keys.add(unescapeKey(m[1]));
      lastEnd = pattern.lastIndex;
    }
    // Keep enough of the end to catch a key cut by the chunk boundary.
    tail = chunk.slice(Math.max(lastEnd, chunk.length - 512));
  }
  return keys;
}

function unescapeKey(raw: string): string {
  if (raw.indexOf('\\') === -1) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}
