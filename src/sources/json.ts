import { DataError } from '../errors.js';
import { JsonArrayEngine, NdjsonEngine } from './json-engine.js';
import type { SourceBatch } from './types.js';

export interface JsonOptions {
  maxRecordChars: number;
  /** Batches of field lists (kind 'fields') rather than objects. */
  fields?: boolean;
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
    const { objects, fields, lines, problems } = engine.take();
    if (lines.length === 0 && problems.length === 0) return undefined;
    return options.fields ? { kind: 'fields', records: fields, lines, problems } : { kind: 'objects', objects, lines, problems };
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
