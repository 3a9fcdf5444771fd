import { DataError } from '../errors.js';
import { JsonArrayEngine, NdjsonEngine } from './json-engine.js';
import { isEscaped, isJsonSpace } from './json-number.js';
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

/** Keys longer than this are not taken as column names. */
const MAX_KEY_CHARS = 200;

/**
 * Every object key that occurs in JSON text, at any depth. Used before a
 * build to learn which columns a JSON input supplies, since a CSV entry's
 * header must be written before its first row. Every ":" that follows a
 * closing quote marks a candidate; one inside a string value may add a
 * candidate too, but a key is never missed.
 */
export async function scanJsonKeys(texts: AsyncIterable<string>): Promise<Set<string>> {
  const keys = new KeyCollector();
  let tail = '';
  for await (const text of texts) {
    // Chunks are searched as they are (flat strings are several times faster
    // to index than a concatenation); only a key cut by the chunk boundary is
    // looked for in a small joined piece.
    const edge = tail + text.slice(0, EDGE_CHARS);
    for (let colon = text.indexOf(':'); colon !== -1; colon = text.indexOf(':', colon + 1)) {
      if (colon < EDGE_CHARS) addKeyBefore(edge, tail.length + colon, keys);
      else addKeyBefore(text, colon, keys);
    }
    tail = text.slice(-EDGE_CHARS);
  }
  return keys.keys;
}

/** Enough text on either side of a chunk boundary to hold a key and its spacing. */
const EDGE_CHARS = 512;

/** Adds the key that ends just before the ":" at `colon`, if a string ends there. */
function addKeyBefore(text: string, colon: number, keys: KeyCollector): void {
  let close = colon - 1;
  while (close >= 0 && isJsonSpace(text.charCodeAt(close))) close--;
  if (close < 1 || text.charCodeAt(close) !== 34 /* " */ || isEscaped(text, close)) return;
  let open = text.lastIndexOf('"', close - 1);
  while (open >= 0 && close - open <= MAX_KEY_CHARS + 1 && isEscaped(text, open)) open = text.lastIndexOf('"', open - 1);
  if (open < 0 || close - open > MAX_KEY_CHARS + 1 || close - open < 2) return;
  keys.add(text, open + 1, close);
}

/**
 * Distinct keys, found by a hash of their raw text: a file repeats the same
 * few keys millions of times, and a repeat costs no new string.
 */
class KeyCollector {
  readonly keys = new Set<string>();
  private readonly rawByHash = new Map<number, string[]>();

  add(text: string, from: number, to: number): void {
    let hash = to - from;
    for (let i = from; i < to; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
    let raws = this.rawByHash.get(hash);
    if (raws) {
      for (const raw of raws) if (raw.length === to - from && text.startsWith(raw, from)) return;
    } else {
      raws = [];
      this.rawByHash.set(hash, raws);
    }
    const raw = text.slice(from, to);
    raws.push(raw);
    // A raw line break cannot be inside a key: this quote pair spans two strings.
    if (!raw.includes('\n')) this.keys.add(unescapeKey(raw));
  }
}

function unescapeKey(raw: string): string {
  if (raw.indexOf('\\') === -1) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}
