// Which keys a JSON input uses, read before the build: a CSV entry's header
// must be written before its first row. A large file is scanned in two
// halves at once, by the main thread and a worker (json-keys-worker.ts).

import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { InputFile } from './detect.js';
import { isEscaped, isJsonSpace } from './json-number.js';
import { readText, type ReadOptions } from './read.js';

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

/** Files at least this large are scanned in two halves at once. */
export const PARALLEL_SCAN_BYTES = 32 << 20;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The keys of a JSON input file. A large uncompressed UTF-8 or Latin-1 file
 * is cut at a line break near its middle; a worker scans the second half
 * while this thread scans the first. A key cannot hold a raw line break, and
 * the first half runs on to the first character after the cut that is not
 * blank, so a key whose ":" follows the cut is still found. Should the
 * worker fail, the whole file is scanned here, which reports any defect
 * with its exact place.
 */
export async function scanJsonFileKeys(file: InputFile, bytes: number, options: ReadOptions = {}, parallelFrom = PARALLEL_SCAN_BYTES): Promise<Set<string>> {
  const cut = file.gzip || bytes < parallelFrom ? undefined : await halves(file.path, bytes);
  if (!cut) return scanJsonKeys(readText(file, options));
  const worker = new Worker(new URL('./json-keys-worker.js', import.meta.url), {
    workerData: { file: { path: file.path, gzip: false }, range: { start: cut.second, end: bytes }, encoding: options.encoding },
  });
  const abort = () => void worker.terminate();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    const [first, second] = await Promise.all([
      scanJsonKeys(readText(file, { ...options, range: { start: 0, end: cut.firstEnd } })),
      new Promise<string[] | undefined>((resolve) => {
        worker.once('message', (message: { keys?: string[] }) => resolve(message.keys));
        worker.once('error', () => resolve(undefined));
        worker.once('exit', () => resolve(undefined));
      }),
    ]);
    if (!second) return await scanJsonKeys(readText(file, options));
    for (const key of second) first.add(key);
    return first;
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await worker.terminate();
  }
}

/**
 * Where to cut: the second half starts after a line break near the middle;
 * the first ends after the next character that is not blank (if ASCII, so
 * no character is split). Undefined when no line break is near the middle
 * (one long line) or the file is UTF-16.
 */
async function halves(path: string, bytes: number): Promise<{ firstEnd: number; second: number } | undefined> {
  const handle = await open(path, 'r');
  try {
    const bom = Buffer.alloc(2);
    await handle.read(bom, 0, 2, 0);
    if ((bom[0] === 0xff && bom[1] === 0xfe) || (bom[0] === 0xfe && bom[1] === 0xff)) return undefined;
    const middle = Math.floor(bytes / 2);
    const window = Buffer.alloc(64 << 10);
    const { bytesRead } = await handle.read(window, 0, window.length, middle);
    const lineBreak = window.subarray(0, bytesRead).indexOf(0x0a);
    if (lineBreak === -1) return undefined;
    let k = lineBreak + 1;
    while (k < bytesRead && WHITESPACE.has(window[k])) k++;
    if (k >= bytesRead) return undefined;
    return { second: middle + lineBreak + 1, firstEnd: middle + k + (window[k] < 0x80 ? 1 : 0) };
  } finally {
    await handle.close();
  }
}
