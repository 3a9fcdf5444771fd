// The end-to-end measurement shared by `npm run bench` and `npm run bench:ci`:
// generate invoice lines (cached under .tmp/bench), time the build in a
// child process, and time one-core deflateRawSync level 6 on the same bytes
// in this process. The ratio of the two is what holds on a noisy machine.

import type { TextFormat } from '../../src/generate/records.js';
import { execFile } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { runGenerate } from '../../src/generate/write.js';
import { getModel } from '../../src/schema/index.js';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '..', '..', '..');
const CHILD = join(HERE, '..', 'build-child.js');

export interface Measurement {
  format: TextFormat;
  rows: number;
  /** Whether the duplicate and reference checks ran (the default). */
  checks: boolean;
  inputBytes: number;
  /**
   * cpuSeconds: every thread of the build (parsing, deflate, the writer).
   * 1.0x needs it within twice the reference's seconds, with both cores
   * free, so it tells a slower build from a busier machine.
   */
  build: { seconds: number; rowsPerSecond: number; mbPerSecond: number; peakRssMiB: number; cpuSeconds: number };
  deflate: { seconds: number; rowsPerSecond: number; mbPerSecond: number };
  /** Build speed over one-core deflate speed on the same bytes: 1.0 means as fast as compressing alone. */
  ratio: number;
}

/** A generated input of `rows` invoice lines, made once and reused. */
export async function benchInput(format: TextFormat, rows: number): Promise<string> {
  const dir = join(ROOT, '.tmp', 'bench', `invoiceline-${format}-${rows}`);
  if (!existsSync(join(dir, 'truth'))) {
    await rm(dir, { recursive: true, force: true });
    const linesPerInvoice = 4;
    await runGenerate({
      outDir: dir,
      format,
      seed: 1,
      defectRate: 0,
      invoices: Math.ceil(rows / linesPerInvoice),
      linesPerInvoice,
      counts: { InvoiceLine: rows },
      models: [getModel('InvoiceLine')],
    });
  }
  return dir;
}

const DEFLATE_PIECE = 16 << 20;

/** Seconds one core needs to deflate the file at level 6, in 16 MiB pieces (reading not counted). */
export async function deflateSeconds(path: string): Promise<number> {
  let seconds = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const compress = () => {
    const piece = Buffer.concat(pending);
    const started = performance.now();
    const out = deflateRawSync(piece, { level: 6 });
    seconds += (performance.now() - started) / 1000;
    if (out.length === 0 || out.length >= piece.length) throw new Error('deflate reference produced no compression');
    pending = [];
    pendingBytes = 0;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    pending.push(chunk as Buffer);
    pendingBytes += (chunk as Buffer).length;
    if (pendingBytes >= DEFLATE_PIECE) compress();
  }
  if (pendingBytes > 0) compress();
  return seconds;
}

/**
 * Builds the input in a child process and checks that every row reached a
 * batch. `checks: false` turns the cross-record checks off, whose key index
 * grows with the input (about 16 bytes a key).
 */
export async function timedBuild(dir: string, rows: number, checks = true, maxBatchBytes?: number): Promise<{ seconds: number; peakRssBytes: number; cpuSeconds: number }> {
  const out = join(tmpdir(), `sagesync-bench-${process.pid}-${Date.now()}`);
  const flags = [...(checks ? [] : ['--no-checks']), ...(maxBatchBytes ? ['--max-batch-bytes', String(maxBatchBytes)] : [])];
  try {
    const { stdout } = await run(process.execPath, [CHILD, dir, out, ...flags], { maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout);
    if (result.counts.read !== rows || result.counts.written !== rows || result.batchRecords !== rows) {
      throw new Error(`build wrote ${result.counts.written} of ${rows} rows (${result.counts.rejected} rejected)`);
    }
    return result;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** `maxBatchBytes` defaults to the build's 50 MB. */
export async function measure(format: TextFormat, rows: number, checks = true, maxBatchBytes?: number): Promise<Measurement> {
  const dir = await benchInput(format, rows);
  const file = join(dir, `invoiceline.${format}`);
  const inputBytes = (await stat(file)).size;
  const build = await timedBuild(dir, rows, checks, maxBatchBytes);
  const deflate = await deflateSeconds(file);
  const mb = inputBytes / 1e6;
  return {
    format,
    rows,
    checks,
    inputBytes,
    build: {
      seconds: build.seconds,
      rowsPerSecond: rows / build.seconds,
      mbPerSecond: mb / build.seconds,
      peakRssMiB: build.peakRssBytes / 2 ** 20,
      cpuSeconds: build.cpuSeconds,
    },
    deflate: { seconds: deflate, rowsPerSecond: rows / deflate, mbPerSecond: mb / deflate },
    ratio: deflate / build.seconds,
  };
}

/** What the numbers were measured on; the machine may be shared. */
export function conditions() {
  return { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverage: loadavg(), date: new Date().toISOString() };
}

export function describe(m: Measurement): string {
  const k = (x: number) => `${Math.round(x / 1000)}k`;
  return `${m.format.padEnd(6)} ${m.rows.toLocaleString('en-US')} rows${m.checks ? '' : ', checks off'} (${(m.inputBytes / 1e6).toFixed(0)} MB): build ${k(m.build.rowsPerSecond)} rows/s, ${m.build.mbPerSecond.toFixed(1)} MB/s, peak RSS ${m.build.peakRssMiB.toFixed(0)} MiB, CPU ${m.build.cpuSeconds.toFixed(1)} s (${(m.build.cpuSeconds / m.build.seconds).toFixed(1)} cores); deflate ${k(m.deflate.rowsPerSecond)} rows/s (${m.deflate.seconds.toFixed(1)} s); ratio ${m.ratio.toFixed(2)}x`;
}
