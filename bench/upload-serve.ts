// Load scenario: N invoice lines (default 1,000,000) written as CSV, built
// into batches, uploaded to a `sagesync serve` child process and merged.
// Reports throughput and the peak RSS of both processes, after checking
// that every line was inserted exactly once.
//
//   node dist/bench/upload-serve.js [lines]

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBuild } from '../src/pipeline/build.js';
import { runUpload } from '../src/upload/run.js';

const LINES = Number(process.argv[2] ?? 1_000_000);
const LINES_PER_INVOICE = 10;
const CUSTOMERS = 1000;
/** Several batches, so the run also goes through batch order and parent syncs. */
const BATCH_BYTES = 5_000_000;
const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'sagesync.js');

async function writeCsv(path: string, header: string, rows: number, row: (i: number) => string): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  let chunk = header + '\n';
  for (let i = 0; i < rows; i++) {
    chunk += row(i) + '\n';
    if (chunk.length > 1 << 20 || i === rows - 1) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  if (chunk) out.write(chunk);
  out.end();
  await once(out, 'close');
  return bytes;
}

/** Peak resident set of another process, in bytes (Linux). */
async function peakRssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sagesync-bench-'));
  const inputs = join(dir, 'in');
  const out = join(dir, 'out');
  await import('node:fs/promises').then((fs) => fs.mkdir(inputs));
  const apiKey = randomBytes(16).toString('hex');
  // On disk, so the service's RSS shows its working memory rather than the database it holds.
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', join(dir, 'serve.db')], {
    env: { ...process.env, SAGE_API_KEY: apiKey },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const invoices = Math.ceil(LINES / LINES_PER_INVOICE);
    let inputBytes = await writeCsv(join(inputs, 'companies.csv'), 'erpKey,companyName,companyType,isActive', CUSTOMERS + 1, (i) =>
      i === 0 ? 'SELF,Bench Holdings,Company,true' : `C${i},Customer ${i},Customer,true`);
    inputBytes += await writeCsv(join(inputs, 'invoices.csv'), 'erpKey,companyErpKey,customerErpKey,invoiceTypeCode,currencyCode,currencyRate,totalAmount', invoices, (i) =>
      `INV${i},SELF,C${(i % CUSTOMERS) + 1},AR Invoice,USD,1,${(i % 997) * 10}.50`);
    inputBytes += await writeCsv(join(inputs, 'invoicelines.csv'), 'erpKey,invoiceErpKey,lineNumber,productCode,description,quantity,unitPrice,totalAmount', LINES, (i) =>
      `L${i},INV${Math.floor(i / LINES_PER_INVOICE)},${(i % LINES_PER_INVOICE) + 1},SKU-${i % 5000},Widget model ${i % 5000},${(i % 7) + 1},${(i % 89) + 0.25},${((i % 7) + 1) * ((i % 89) + 0.25)}`);

    let started = performance.now();
    const built = await runBuild({ inputs: [inputs], outDir: out, maxBatchBytes: BATCH_BYTES });
    const buildSeconds = (performance.now() - started) / 1000;
    const batchBytes = built.batches.reduce((sum, b) => sum + b.bytes, 0);

    let text = '';
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.stdout!.on('data', (d) => {
        text += d;
        const m = /listening on (\S+)/.exec(text);
        if (m) resolveUrl(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });

    started = performance.now();
    const uploaded = await runUpload({
      outDir: out,
      baseUrl: url,
      credentials: { secret: apiKey, scheme: 'api-key' },
      concurrency: 1,
      timeoutMs: 3_600_000,
      pollIntervalMs: 200,
      policy: { retries: 3, baseDelayMs: 500, maxDelayMs: 5000 },
      log: () => undefined,
    });
    const uploadSeconds = (performance.now() - started) / 1000;

    const failed = uploaded.batches.filter((b) => b.status !== 'succeeded');
    if (failed.length > 0) throw new Error(`batches failed: ${JSON.stringify(failed)}`);
    const inserted = uploaded.byModel.InvoiceLine?.insert ?? 0;
    if (inserted !== LINES) throw new Error(`expected ${LINES} invoice lines inserted, the service reports ${inserted}`);

    const serveRss = await peakRssOf(child.pid!);
    const selfRss = process.resourceUsage().maxRSS * 1024;
    const records = built.counts.written;
    const report = {
      invoiceLines: LINES,
      records,
      inputMB: Number(mb(inputBytes)),
      batches: built.batches.length,
      batchMB: Number(mb(batchBytes)),
      buildSeconds: Number(buildSeconds.toFixed(2)),
      buildRowsPerSecond: Math.round(records / buildSeconds),
      uploadSeconds: Number(uploadSeconds.toFixed(2)),
      uploadRowsPerSecond: Math.round(records / uploadSeconds),
      uploadMBPerSecond: Number((batchBytes / 1e6 / uploadSeconds).toFixed(2)),
      peakRssClientMB: Number(mb(selfRss)),
      peakRssServeMB: Number(mb(serveRss)),
    };
    console.log(`${LINES} invoice lines (${records} records, ${report.inputMB} MB CSV) -> ${report.batches} batches (${report.batchMB} MB)`);
    console.log(`build:  ${report.buildSeconds} s, ${report.buildRowsPerSecond} rows/s`);
    console.log(`upload + merge: ${report.uploadSeconds} s, ${report.uploadRowsPerSecond} rows/s, ${report.uploadMBPerSecond} MB/s of ZIP`);
    console.log(`peak RSS: this process (build + upload) ${report.peakRssClientMB} MB, serve ${report.peakRssServeMB} MB`);
    console.log(JSON.stringify(report));
  } finally {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
