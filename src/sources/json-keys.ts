// Which keys a JSON input uses, read before the build: a CSV entry's header
// must be written before its first row. A large file is scanned in two
// halves at once, by the main thread and a worker (json-keys-worker.ts).

import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { InputFile } from './detect.js';
import { FieldScanner } from './json-fields.js';
import { isEscaped, isJsonSpace, JSON_NUMBER, JSON_STRING_CONTENT, literalPattern } from './json-number.js';
import { readText, type ReadOptions } from './read.js';

/** Keys longer than this are not taken as column names. */
const MAX_KEY_CHARS = 200;

/**
 * Every object key that occurs in JSON text, at any depth. Used before a
 * build to learn which columns a JSON input supplies, since a CSV entry's
 * header must be written before its first row.
 *
 * Most exports put one flat record on each line, all of one or a few
 * shapes. A line of a shape already seen (LineShapes) holds no other key and
 * is passed over with one regular-expression test; only other lines are
 * searched key by key (ColonScan).
 */
export async function scanJsonKeys(texts: AsyncIterable<string>): Promise<Set<string>> {
  const keys = new KeyCollector();
  const shapes = new LineShapes(keys);
  const colons = new ColonScan(keys);
  /** The line cut by the end of the last chunk, and where it starts in the whole text. */
  let carry = '';
  let offset = 0;
  for await (const chunk of texts) {
    const text = carry.length === 0 ? chunk : carry + chunk;
    const lastBreak = text.lastIndexOf('\n');
    if (lastBreak === -1) {
      if (text.length <= MAX_LINE_CHARS) carry = text;
      else {
        // One very long line: searched in pieces, as they come.
        colons.scan(text, offset);
        offset += text.length;
        carry = '';
      }
      continue;
    }
    // Runs of lines of no known shape are searched together, so that a key
    // whose ":" stands on a later line is still found.
    let run = -1;
    for (let start = 0; start <= lastBreak; ) {
      let end = shapes.match(text, start);
      const covered = end !== -1 || shapes.read(text, start, (end = text.indexOf('\n', start)));
      if (!covered) {
        if (run === -1) run = start;
      } else if (run !== -1) {
        colons.scan(text.slice(run, start), offset + run);
        run = -1;
      }
      start = end + 1;
    }
    if (run !== -1) colons.scan(text.slice(run, lastBreak + 1), offset + run);
    carry = text.slice(lastBreak + 1);
    offset += lastBreak + 1;
  }
  if (carry.length > 0) colons.scan(carry, offset);
  return keys.keys;
}

/** A line is held whole up to this length; past it, it is searched in pieces. */
const MAX_LINE_CHARS = 1 << 20;
/** Shapes remembered, most recent first. */
const MAX_SHAPES = 4;
/** Records with more keys than this get no shape of their own. */
const MAX_SHAPE_KEYS = 512;

const BLANKS = String.raw`[ \t\r]*`;
/** A JSON scalar: a string (escapes included), a number, true, false or null. */
const SCALAR = `(?:"${JSON_STRING_CONTENT}"|${JSON_NUMBER}|true|false|null)`;
/** Keys written in a shape as they are: no character JSON would escape. */
const PLAIN_KEY = /^[^"\\\u0000-\u001f]*$/;

/**
 * The shapes of the flat records met so far: each a regular expression that
 * matches a line holding one flat record with exactly those keys, in that
 * order, and optionally the "[", "," or "]" of an array around it, up to its
 * line break. A line it matches has no key outside the shape, whatever its
 * values.
 */
class LineShapes {
  private readonly shapes: RegExp[] = [];
  private readonly scanner = new FieldScanner();

  constructor(private readonly keys: KeyCollector) {}

  /**
   * The line break that ends the line starting at `start` when a known
   * shape matches the line; -1 otherwise. The line is tested in place (the
   * shapes are sticky and stop at the line break), with no copy and no
   * separate search for its end.
   */
  match(text: string, start: number): number {
    for (const shape of this.shapes) {
      shape.lastIndex = start;
      if (shape.test(text)) return shape.lastIndex;
    }
    return -1;
  }

  /** Whether every key of the line text[start, end) is known once it is read as a flat record, which adds its shape. */
  read(text: string, start: number, end: number): boolean {
    if (start === end) return true;
    const fields = this.scanner.scan(withoutArrayMarks(text.slice(start, end)));
    if (!fields) return false;
    const names: string[] = [];
    for (let k = 0; k < fields.length; k += 2) {
      const name = fields[k] as string;
      this.keys.addKey(name);
      names.push(name);
    }
    if (names.length <= MAX_SHAPE_KEYS && names.every((name) => PLAIN_KEY.test(name))) {
      this.shapes.unshift(shapeOf(names));
      if (this.shapes.length > MAX_SHAPES) this.shapes.pop();
    }
    return true;
  }
}

function shapeOf(names: readonly string[]): RegExp {
  const members = names.map((name) => `"${literalPattern(name)}"${BLANKS}:${BLANKS}${SCALAR}`);
  return new RegExp(`${BLANKS}[\\[,]?${BLANKS}\\{${BLANKS}${members.join(`${BLANKS},${BLANKS}`)}${BLANKS}\\}${BLANKS}[,\\]]?${BLANKS}(?=\\n)`, 'y');
}

/** The line without an array's "[" or "," before the record and "," or "]" after it. */
function withoutArrayMarks(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && isJsonSpace(line.charCodeAt(start))) start++;
  const first = line.charCodeAt(start);
  if (first === 91 /* [ */ || first === 44 /* , */) start++;
  while (end > start && isJsonSpace(line.charCodeAt(end - 1))) end--;
  const last = line.charCodeAt(end - 1);
  if (last === 44 || last === 93 /* ] */) end--;
  return line.slice(start, end);
}

/**
 * Searches text key by key: every ":" that follows a closing quote marks a
 * candidate. One inside a string value may add a candidate too, but a key
 * is never missed. Texts that follow one another keep the end of the last,
 * for a key cut by the boundary.
 */
class ColonScan {
  private tail = '';
  /** Where the last text searched ended in the whole text. */
  private end = -1;

  constructor(private readonly keys: KeyCollector) {}

  /** Searches `text`, which starts at `at` in the whole text. */
  scan(text: string, at: number): void {
    if (at !== this.end) this.tail = '';
    const tail = this.tail;
    // Chunks are searched as they are (flat strings are several times faster
    // to index than a concatenation); only a key cut by the chunk boundary is
    // looked for in a small joined piece.
    const edge = tail + text.slice(0, EDGE_CHARS);
    for (let colon = text.indexOf(':'); colon !== -1; colon = text.indexOf(':', colon + 1)) {
      if (colon < EDGE_CHARS) addKeyBefore(edge, tail.length + colon, this.keys);
      else addKeyBefore(text, colon, this.keys);
    }
    this.tail = text.slice(-EDGE_CHARS);
    this.end = at + text.length;
  }
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

  /** A key read exactly (by the field scanner): taken under the same limits as a raw one. */
  addKey(key: string): void {
    if (key.length > 0 && key.length <= MAX_KEY_CHARS) this.keys.add(key);
  }

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
