// Benchmark: the cost of cross-record checks at full scale.
//
//   node dist/bench/integrity.js [invoices] [linesPerInvoice] [rounds] [--wide | --guid-keys]   (default 2000000 5 1)
//
// Generates companies, invoices and invoice lines as CSV in a temporary
// folder (narrow rows of a few columns, where the checks weigh most; with
// --wide, `sagesync generate` exports of Company, Contact, Invoice and
// InvoiceLine with every column). Narrow keys are numbered ("INV-42"), which
// the indexes hold by number; with --guid-keys they are GUIDs, held by hash.
// It then builds them in child processes: checks off, checks on
// (--full: duplicates and orphans rejected), and checks on with a change
// state. For each it reports wall time, records per second and the child's
// peak RSS (VmHWM from /proc, read as the child exits). It also measures the
// bytes per key of the key indexes in this process. Before timing anything
// it checks that the checks-on build wrote every generated record once and
// rejected exactly the planted duplicate and orphan. With rounds > 1 the
// off and on builds alternate and the fastest of each counts, so load from
// other processes on a shared machine skews the ratio less.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { appendFile, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGenerate } from '../src/generate/write.js';
import { hash64, hashOut } from '../src/integrity/hash.js';
import { TextKeyIndex } from '../src/integrity/text-keys.js';
import { getModel } from '../src/schema/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'sagesync.js');
const COMPANIES = 1000;
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const wide = process.argv.includes('--wide');
const guidKeys = process.argv.includes('--guid-keys');
const invoices = Number(positional[0] ?? 2_000_000);
const linesPerInvoice = Number(positional[1] ?? 5);
const lines = invoices * linesPerInvoice;
const rounds = Number(positional[2] ?? 1);
const MIB = 1024 * 1024;

/** Streams generated lines into a file, waiting on the disk. */
async function writeCsv(path: string, header: string, count: number, row: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  out.write(header + '\n');
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += row(i) + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'close');
}

/** Every column of the contract, from the generator, with the same duplicate and orphan planted at the end. */
async function generateWide(dir: string): Promise<{ inputs: string[]; records: number }> {
  const { files } = await runGenerate({
    outDir: dir,
    format: 'csv',
    seed: 1,
    defectRate: 0,
    invoices,
    linesPerInvoice,
    models: ['Company', 'Contact', 'Invoice', 'InvoiceLine'].map(getModel),
  });
  const lineFile = join(dir, 'invoiceline.csv');
  const handle = await open(lineFile, 'r');
  const head = Buffer.alloc(1 << 16);
  await handle.read(head, 0, head.length, 0).finally(() => handle.close());
  const [header, first] = head.toString('utf8').split('\n');
  const [key, invoice] = first.split(',', 2);
  if (!header.startsWith('erpKey,invoiceErpKey,')) throw new Error(`unexpected invoice line header: ${header.slice(0, 80)}`);
  const orphan = `${key}-orphan,${invoice}-missing,` + first.slice(key.length + invoice.length + 2);
  await appendFile(lineFile, `${first}\n${orphan}\n`);
  const inputs = files.map((f) => join(dir, f.file));
  return { inputs, records: files.reduce((sum, f) => sum + f.records, 0) + 2 };
}

/** A GUID made from a name, the same on every run; about 5 in 8 end in a digit. */
function guid(name: string): string {
  hash64(name);
  const a = hashOut.hi.toString(16).padStart(8, '0');
  const b = hashOut.lo.toString(16).padStart(8, '0');
  hash64(name, 1);
  const c = hashOut.hi.toString(16).padStart(8, '0');
  const d = hashOut.lo.toString(16).padStart(8, '0');
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

/** The key of record `i` of a kind ("C", "INV", "L"). */
const keyOf = guidKeys ? (kind: string, i: number) => guid(`${kind}-${i}`) : (kind: string, i: number) => `${kind}-${i}`;

async function generate(dir: string): Promise<string[]> {
  const companies = join(dir, 'companies.csv');
  await writeCsv(companies, 'erpKey,companyName,companyType,isActive,modified', COMPANIES, (i) => `${keyOf('C', i)},Company ${i},Customer,true,2024-03-01T00:00:00Z`);
  const invoiceFile = join(dir, 'invoices.csv');
  await writeCsv(
    invoiceFile,
    'erpKey,companyErpKey,customerErpKey,currencyRate,invoiceTypeCode,invoiceDate,totalAmount,modified',
    invoices,
    (i) => `${keyOf('INV', i)},${keyOf('C', 0)},${keyOf('C', i % COMPANIES)},1,AR Invoice,2024-03-01,${(i % 10_000) + 0.5},2024-03-01T00:00:00Z`,
  );
  // One planted duplicate line key and one orphan line, the last two rows.
  const lineFile = join(dir, 'invoicelines.csv');
  await writeCsv(lineFile, 'erpKey,invoiceErpKey,lineNumber,description,quantity,unitPrice,totalAmount', lines + 2, (i) => {
    if (i === lines) return `${keyOf('L', 0)},${keyOf('INV', 0)},1,duplicate,1,1,1`;
    if (i === lines + 1) return `L-orphan,INV-missing,1,orphan,1,1,1`;
    const invoice = Math.floor(i / linesPerInvoice);
    return `${keyOf('L', i)},${keyOf('INV', invoice)},${(i % linesPerInvoice) + 1},Product ${i % 977},2,${(i % 500) + 0.25},${(i % 500) * 2 + 0.5}`;
  });
  return [companies, invoiceFile, lineFile];
}

interface Run {
  name: string;
  seconds: number;
  /** CPU time of every thread of the child (user + system). */
  cpuSeconds: number;
  peakRssMiB: number;
  summary: { read: number; written: number; rejected: number; unchanged: number; outOfWindow: number };
}

/** Reports the child's peak RSS and CPU time on exit, without touching the command's code. */
const PEAK_REPORTER =
  'data:text/javascript,import{readFileSync}from"node:fs";process.on("exit",()=>{const c=process.cpuUsage();process.stderr.write("VmHWM "+/VmHWM:\\s*(\\d+)/.exec(readFileSync("/proc/self/status","utf8"))[1]+" CPU "+(c.user+c.system)+"\\n")})';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function build(name: string, inputs: string[], outDir: string, flags: string[]): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', PEAK_REPORTER, BIN, 'build', ...inputs, '--out', outDir, '--json', ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'close');
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${name}: exit ${code}\n${stderr}`);
  const peak = /VmHWM (\d+) CPU (\d+)/.exec(stderr);
  if (!peak) throw new Error(`${name}: no peak RSS reported\n${stderr}`);
  return { name, seconds, cpuSeconds: Number(peak[2]) / 1e6, peakRssMiB: Number(peak[1]) / 1024, summary: JSON.parse(stdout) };
}

/**
 * The size of an index grown (not sized up front) to `keys` keys of both
 * shapes; with a value, each key's is its line in a file read in order.
 */
function bytesPerKey(valueWords: 0 | 1, keys: number): string {
  return [
    ['numbered', (i: number) => `L-${i}`],
    ['GUID', (i: number) => guid(`L-${i}`)],
  ]
    .map(([shape, key]) => {
      const index = new TextKeyIndex(valueWords);
      for (let i = 0; i < keys; i++) {
        index.value[0] = i + 2;
        index.insert((key as (i: number) => string)(i));
      }
      return `${shape} ${(index.bytes / index.size).toFixed(1)} (${(index.bytes / MIB).toFixed(0)} MiB)`;
    })
    .join(', ');
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sagesync-bench-integrity-'));
  try {
    let t = performance.now();
    const { inputs, records } = wide ? await generateWide(dir) : { inputs: await generate(dir), records: COMPANIES + invoices + lines + 2 };
    let bytes = 0;
    for (const input of inputs) bytes += (await stat(input)).size;
    console.log(`generated ${records.toLocaleString('en-US')} records (${(bytes / MIB).toFixed(0)} MiB of CSV) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    t = performance.now();
    console.log(`key index, bytes/key with a position at ${lines.toLocaleString('en-US')} keys: ${bytesPerKey(1, lines)}`);
    console.log(`key index, bytes/key as a set at ${invoices.toLocaleString('en-US')} keys: ${bytesPerKey(0, invoices)} (${((performance.now() - t) / 1000).toFixed(1)} s for all)`);

    const report = (run: Run) =>
      console.log(
        `${run.name.padEnd(30)} ${run.seconds.toFixed(1).padStart(7)} s  ${Math.round(records / run.seconds).toLocaleString('en-US').padStart(9)} records/s  CPU ${run.cpuSeconds.toFixed(1).padStart(6)} s  peak RSS ${run.peakRssMiB.toFixed(0).padStart(5)} MiB`,
      );
    let off: Run | undefined;
    let on: Run | undefined;
    const fastest = (best: Run | undefined, run: Run): Run =>
      best === undefined ? run : { ...(run.seconds < best.seconds ? run : best), peakRssMiB: Math.max(best.peakRssMiB, run.peakRssMiB) };
    const pairs: { off: Run; on: Run }[] = [];
    for (let round = 0; round < rounds; round++) {
      const offRun = await build('checks off', inputs, join(dir, 'off'), ['--full', '--duplicates', 'off', '--orphans', 'off']);
      if (offRun.summary.written !== records) throw new Error(`checks off: unexpected counts ${JSON.stringify(offRun.summary)}`);
      await rm(join(dir, 'off'), { recursive: true });
      report(offRun);
      off = fastest(off, offRun);

      const onRun = await build('checks on (--full)', inputs, join(dir, 'on'), ['--full']);
      // The run checks its own output before its figures count.
      if (onRun.summary.rejected !== 2 || onRun.summary.written !== records - 2) throw new Error(`checks on: unexpected counts ${JSON.stringify(onRun.summary)}`);
      const rejects = await readFile(join(dir, 'on', 'rejects.csv'), 'utf8');
      if (!/DUPLICATE_KEY/.test(rejects) || !/ORPHAN/.test(rejects)) throw new Error(`checks on: planted problems not reported\n${rejects}`);
      await rm(join(dir, 'on'), { recursive: true });
      report(onRun);
      on = fastest(on, onRun);
      pairs.push({ off: offRun, on: onRun });
    }

    const state = await build('checks on + new state', inputs, join(dir, 'state'), ['--state', join(dir, 'state.bin')]);
    const stateBytes = (await stat(join(dir, 'state.bin'))).size;
    await rm(join(dir, 'state'), { recursive: true });
    report(state);
    const again = await build('checks on + unchanged state', inputs, join(dir, 'again'), ['--state', join(dir, 'state.bin')]);
    // Only the planted duplicate is rejected in a delta; the orphan is written with a warning, and remembered.
    if (again.summary.written !== 0 || again.summary.unchanged !== records - 1) {
      throw new Error(`second state run: unexpected counts ${JSON.stringify(again.summary)}`);
    }
    report(again);

    // Issue #4 states the cost in throughput: records per second lost, not time added.
    const lost = (1 - off!.seconds / on!.seconds) * 100;
    const added = (on!.seconds / off!.seconds - 1) * 100;
    console.log(`\nthroughput cost of checks (fastest on vs fastest off of ${rounds} round(s)): ${lost.toFixed(1)}% fewer records/s (${added.toFixed(1)}% more time)`);
    // A build and the one right after it share the host's load best: the
    // median pair is a second view, less swayed by one lucky build.
    const pairCosts = pairs.map((p) => (1 - p.off.seconds / p.on.seconds) * 100);
    const cpuAdded = pairs.map((p) => (p.on.cpuSeconds / p.off.cpuSeconds - 1) * 100);
    const list = (values: number[]) => values.map((v) => v.toFixed(1)).join(', ');
    console.log(`pair by pair: ${list(pairCosts)}% fewer records/s, median ${median(pairCosts).toFixed(1)}%`);
    console.log(`CPU time the checks add, pair by pair: ${list(cpuAdded)}%, median ${median(cpuAdded).toFixed(1)}%`);
    console.log(`peak RSS: checks off ${off!.peakRssMiB.toFixed(0)} MiB, checks on ${on!.peakRssMiB.toFixed(0)} MiB`);
    console.log(`state file: ${(stateBytes / MIB).toFixed(0)} MiB for ${(records - 2).toLocaleString('en-US')} identities`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
