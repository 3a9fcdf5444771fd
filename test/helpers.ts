// Shared test helpers. ZIPs are read back with yauzl and CSV entries with
// fast-csv: readers independent of the code under test.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { parseString } from 'fast-csv';
import yauzl from 'yauzl';
import { isNumberMark, numberText } from '../src/sources/json-number.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SAMPLES = join(ROOT, 'samples');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
const BIN = join(ROOT, 'bin', 'sagesync.js');

export async function tempDir(t?: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sagesync-test-'));
  t?.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every entry of a ZIP file, decoded as UTF-8, in archive order; an entry whose data does not match its CRC-32 fails. */
export function readZip(path: string): Promise<Map<string, string>> {
  return new Promise((resolvePromise, reject) => {
    yauzl.open(path, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const entries = new Map<string, string>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            const data = Buffer.concat(chunks);
            // yauzl checks sizes, not checksums.
            const crc = crc32(data);
            if (crc !== entry.crc32) return reject(new Error(`${path}: ${entry.fileName} has CRC-32 ${entry.crc32}, its data ${crc}`));
            entries.set(entry.fileName, data.toString('utf8'));
            zip.readEntry();
          });
          stream.on('error', reject);
        });
      });
      zip.on('end', () => resolvePromise(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Parses CSV text into objects keyed by the header. */
export function parseCsv(text: string): Promise<Record<string, string>[]> {
  return new Promise((resolvePromise, reject) => {
    const rows: Record<string, string>[] = [];
    parseString(text, { headers: true })
      .on('data', (row: Record<string, string>) => rows.push(row))
      .on('end', () => resolvePromise(rows))
      .on('error', reject);
  });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the installed command line in a child process. */
export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

/** Writes `files` (name -> text or bytes) into a fresh folder and returns its path. */
export async function writeInputs(t: { after(fn: () => Promise<void>): void }, files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await tempDir(t);
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  return dir;
}

/** Every row of every CSV entry of the given batches, keyed by entry name. */
export async function readBatchRows(dir: string, files: readonly string[]): Promise<Map<string, Record<string, string>[]>> {
  const rows = new Map<string, Record<string, string>[]>();
  for (const file of files) {
    for (const [name, text] of await readZip(join(dir, file))) rows.set(name, [...(rows.get(name) ?? []), ...(await parseCsv(text))]);
  }
  return rows;
}

/** A deterministic stream of numbers in [0, 1) for `seed`, the same on every run. */
export function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/** Cases per property: small for `npm test`, raised by `npm run fuzz` (FUZZ_RUNS). */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 20);

/** A parsed value with exact-number markers turned back into numbers, to compare with JSON.parse. */
export function unmark(value: unknown): unknown {
  if (isNumberMark(value)) return Number(numberText(value));
  if (Array.isArray(value)) return value.map(unmark);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unmark(v)]));
  return value;
}
