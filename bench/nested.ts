// Nested splitting at scale: invoices carrying their lines in an array,
// split into Invoice and InvoiceLine records through a mapping, with the
// lines spilled to disk until their model's turn. Reports time and peak RSS
// at two sizes, so a reader can see that memory does not grow with the
// input, next to a reference run over the same records as flat files.
//
//   node dist/bench/nested.js [--lines 1000000] [--per-invoice 10]
//
// Each scenario runs in a child process so its peak RSS (maxRSS) is its own.

import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBuild } from '../src/pipeline/build.js';
import { boundHeapGrowth } from '../src/util/heap.js';

const MAPPING = {
  files: [{
    match: 'erp_documents.ndjson',
    model: 'Invoice',
    fields: { erpKey: 'no', companyErpKey: 'co', customerErpKey: 'cust', currencyRate: { constant: '1' }, totalAmount: 'total', invoiceDate: 'date' },
    nested: [{ path: 'lines', model: 'InvoiceLine', fields: { erpKey: 'id', lineNumber: 'n', productCode: 'sku', description: 'text', quantity: 'qty', totalAmount: 'amount' } }],
  }],
};

/** Writes the inputs of a scenario, streaming; returns the input bytes. */
async function writeInputs(dir: string, scenario: 'nested' | 'flat', lines: number, perInvoice: number): Promise<number> {
  const invoices = Math.ceil(lines / perInvoice);
  const open = (name: string) => createWriteStream(join(dir, name), { highWaterMark: 1 << 20 });
  const write = async (out: ReturnType<typeof open>, text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const line = (i: number, k: number) => ({ id: `L-${i}-${k}`, n: String(k + 1), sku: `SKU-${(i * 31 + k) % 9973}`, text: `Item ${k} of invoice ${i}, "grade" ${i % 7}`, qty: `${k + 1}.5`, amount: `${i % 1000}.${k}9` });
  const invoice = (i: number) => ({ no: `INV-${i}`, co: 'ACME', cust: `C-${i % 997}`, total: `${i}.10`, date: '2024-03-01' });
  if (scenario === 'nested') {
    const out = open('erp_documents.ndjson');
    await writeFile(join(dir, 'map.json'), JSON.stringify(MAPPING));
    let chunk = '';
    for (let i = 0, written = 0; i < invoices; i++) {
      const count = Math.min(perInvoice, lines - written);
      written += count;
      chunk += JSON.stringify({ ...invoice(i), lines: Array.from({ length: count }, (_, k) => line(i, k)) }) + '\n';
      if (chunk.length > 1 << 20) {
        await write(out, chunk);
        chunk = '';
      }
    }
    await write(out, chunk);
    out.end();
    await once(out, 'close');
    return (await stat(join(dir, 'erp_documents.ndjson'))).size;
  }
  const heads = open('invoices.ndjson');
  const rows = open('invoicelines.ndjson');
  let a = '';
  let b = '';
  for (let i = 0, written = 0; i < invoices; i++) {
    const v = invoice(i);
    a += JSON.stringify({ erpKey: v.no, companyErpKey: v.co, customerErpKey: v.cust, currencyRate: '1', totalAmount: v.total, invoiceDate: v.date }) + '\n';
    const count = Math.min(perInvoice, lines - written);
    written += count;
    for (let k = 0; k < count; k++) {
      const l = line(i, k);
      b += JSON.stringify({ erpKey: l.id, invoiceErpKey: v.no, lineNumber: l.n, productCode: l.sku, description: l.text, quantity: l.qty, totalAmount: l.amount }) + '\n';
    }
    if (b.length > 1 << 20) {
      await write(heads, a);
      await write(rows, b);
      a = b = '';
    }
  }
  await write(heads, a);
  await write(rows, b);
  heads.end();
  rows.end();
  await Promise.all([once(heads, 'close'), once(rows, 'close')]);
  return (await stat(join(dir, 'invoices.ndjson'))).size + (await stat(join(dir, 'invoicelines.ndjson'))).size;
}

interface Measurement {
  scenario: string;
  lines: number;
  inputBytes: number;
  seconds: number;
  recordsPerSecond: number;
  peakRssMiB: number;
  batches: number;
}

/** One scenario in this process: write inputs, build, check the output, measure. */
async function child(scenario: 'nested' | 'flat', lines: number, perInvoice: number): Promise<Measurement> {
  const dir = await mkdtemp(join(tmpdir(), 'sagesync-bench-nested-'));
  try {
    const inputBytes = await writeInputs(dir, scenario, lines, perInvoice);
    const out = join(dir, 'out');
    const inputs = scenario === 'nested' ? [join(dir, 'erp_documents.ndjson')] : [join(dir, 'invoices.ndjson'), join(dir, 'invoicelines.ndjson')];
    boundHeapGrowth(); // as `sagesync build` runs
    const started = performance.now();
    const result = await runBuild({ inputs, outDir: out, maxBatchBytes: 50_000_000, mapping: scenario === 'nested' ? join(dir, 'map.json') : undefined });
    const seconds = (performance.now() - started) / 1000;
    // Check the result before reporting any figure.
    const invoices = Math.ceil(lines / perInvoice);
    const byModel = result.counts.byModel;
    if (byModel.InvoiceLine?.written !== lines || byModel.Invoice?.written !== invoices || result.counts.rejected !== 0) {
      throw new Error(`unexpected counts: ${JSON.stringify(result.counts)}`);
    }
    const leftovers = (await readdir(out)).filter((name) => name.startsWith('.'));
    if (leftovers.length > 0) throw new Error(`temporary files left: ${leftovers.join(', ')}`);
    return {
      scenario,
      lines,
      inputBytes,
      seconds,
      recordsPerSecond: Math.round((lines + invoices) / seconds),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      batches: result.batches.length,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { lines: { type: 'string' }, 'per-invoice': { type: 'string' }, child: { type: 'string' } } });
  const lines = Number(values.lines ?? 1_000_000);
  const perInvoice = Number(values['per-invoice'] ?? 10);
  if (values.child) {
    console.log(JSON.stringify(await child(values.child as 'nested' | 'flat', lines, perInvoice)));
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const runs: Measurement[] = [];
  for (const [scenario, count] of [['nested', Math.round(lines / 4)], ['nested', lines], ['flat', lines]] as const) {
    const result = spawnSync(process.execPath, [self, '--child', scenario, '--lines', String(count), '--per-invoice', String(perInvoice)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (result.status !== 0) throw new Error(`${scenario} ${count} failed`);
    runs.push(JSON.parse(result.stdout.trim().split('\n').pop()!));
  }
  console.log(`nested splitting, ${perInvoice} lines per invoice (node ${process.version})`);
  console.log('scenario  lines      input MiB  seconds  records/s  peak RSS MiB  batches');
  for (const r of runs) {
    console.log(
      `${r.scenario.padEnd(8)}  ${String(r.lines).padEnd(9)}  ${(r.inputBytes / 2 ** 20).toFixed(1).padStart(9)}  ${r.seconds.toFixed(1).padStart(7)}  ${String(r.recordsPerSecond).padStart(9)}  ${String(r.peakRssMiB).padStart(12)}  ${String(r.batches).padStart(7)}`,
    );
  }
  const [small, large, flat] = runs;
  console.log(`peak RSS ${large.peakRssMiB} MiB for ${large.lines} lines vs ${small.peakRssMiB} MiB for ${small.lines} (x${(large.peakRssMiB / small.peakRssMiB).toFixed(2)} for x4 input)`);
  console.log(`nested vs flat inputs of the same records: time x${(large.seconds / flat.seconds).toFixed(2)}, peak RSS x${(large.peakRssMiB / flat.peakRssMiB).toFixed(2)}`);
}

await main();
