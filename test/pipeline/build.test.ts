import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBuild } from '../../src/pipeline/build.js';
import { ALL_MODELS } from '../../src/schema/index.js';
import { parseCsv, readZip, SAMPLES, tempDir } from '../helpers.js';

const MB = 1_000_000;

/** Every row of every entry, per model entry name, across all batches in order. */
async function readBatches(dir: string, files: string[]) {
  const rows = new Map<string, Record<string, string>[]>();
  const order: string[] = [];
  for (const file of files) {
    for (const [name, text] of await readZip(join(dir, file))) {
      order.push(name);
      const parsed = await parseCsv(text);
      rows.set(name, [...(rows.get(name) ?? []), ...parsed]);
    }
  }
  return { rows, order };
}

describe('runBuild on the bundled samples', () => {
  it('accounts for every record and writes every model parents first', async (t) => {
    const out = await tempDir(t);
    const result = await runBuild({ inputs: [SAMPLES], outDir: out, maxBatchBytes: 50 * MB });
    const { counts } = result;
    assert.equal(counts.read, counts.written + counts.rejected);
    for (const [model, tally] of Object.entries(counts.byModel)) {
      assert.equal(tally.read, tally.written + tally.rejected, model);
    }
    assert.equal(Object.keys(counts.byModel).length, ALL_MODELS.length, 'the samples cover every model');
    const { rows, order } = await readBatches(out, result.batches.map((b) => b.file));
    const written = [...rows.values()].reduce((sum, r) => sum + r.length, 0);
    assert.equal(written, counts.written);
    const orderOf = (name: string) => ALL_MODELS.findIndex((m) => `${m.entry}.csv` === name);
    assert.deepEqual(order, [...order].sort((a, b) => orderOf(a) - orderOf(b)));
    const rejects = await parseCsv(await readFile(result.rejectsFile, 'utf8'));
    assert.equal(rejects.length, counts.rejected);
    for (const r of rejects) {
      assert.ok(r.file && Number(r.line) > 0 && r.model && r.code && r.reason, JSON.stringify(r));
    }
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.counts, JSON.parse(JSON.stringify(counts)));
    assert.equal(manifest.batches.length, result.batches.length);
  });

  it('keeps text, decimals and dates exactly as they came', async (t) => {
    const out = await tempDir(t);
    const result = await runBuild({ inputs: [SAMPLES], outDir: out, maxBatchBytes: 50 * MB });
    const { rows } = await readBatches(out, result.batches.map((b) => b.file));
    const companies = new Map(rows.get('company.csv')!.map((r) => [r.erpKey, r]));
    assert.equal(companies.get('C-0001')!.companyName, 'Globex, Inc.');
    assert.equal(companies.get('C-0002')!.companyName, 'Initech 🚀');
    assert.equal(companies.get('C-0003')!.companyName, '=HYPERLINK("http://x")');
    assert.equal(companies.get('V-0001')!.postalCode, '00501');
    assert.equal(companies.get('ACME')!.created, '2020-01-15');
    const invoices = new Map(rows.get('invoice.csv')!.map((r) => [r.erpKey, r]));
    assert.equal(invoices.get('INV-1002')!.totalAmount, '12345678901234567.89');
    assert.equal(invoices.get('INV-1001')!.totalAmount, '1250.50');
    assert.equal(invoices.get('INV-1002')!.invoiceClosedDate, '2024-02-29');
    assert.ok(invoices.has('00042'), 'leading zeros of keys survive');
    const lines = new Map(rows.get('invoiceline.csv')!.map((r) => [r.erpKey, r]));
    assert.equal(lines.get('L-3')!.description, 'Multi\nline\ndescription');
    assert.equal(lines.get('L-2')!.description, 'He said "hello"');
    assert.equal(lines.get('L-3')!.productCode, '0007');
  });

  it('never writes a column the input did not supply', async (t) => {
    const out = await tempDir(t);
    const result = await runBuild({ inputs: [join(SAMPLES, 'basecurrency.csv'), join(SAMPLES, 'paymentapplied.csv')], outDir: out, maxBatchBytes: 50 * MB });
    const entries = await readZip(join(out, result.batches[0].file));
    assert.equal(entries.get('basecurrency.csv')!.split('\n')[0], 'baseCurrencyCode');
    assert.equal(
      entries.get('paymentapplied.csv')!.split('\n')[0],
      'erpKey,invoiceErpKey,paymentErpKey,entryNumber,applyToInvoiceDate,paymentAppliedAmount',
    );
  });

  it('splits into several ZIPs at a small byte limit, parents before children', async (t) => {
    const dir = await tempDir(t);
    const input = join(dir, 'in');
    const out = join(dir, 'out');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(input);
    let invoices = 'erpKey,companyErpKey,customerErpKey,currencyRate,referenceCode\n';
    let lines = 'erpKey,invoiceErpKey,lineNumber,description\n';
    for (let i = 0; i < 3000; i++) {
      invoices += `INV-${i},ACME,C-${i % 97},1,${(i * 7919).toString(36)}-${(i * 104729).toString(36)}\n`;
      lines += `L-${i},INV-${i % 3000},${i % 5},"Item ${(i * 31337).toString(36)}, ""grade"" ${i}"\n`;
    }
    await writeFile(join(input, 'invoice_lines.csv'), lines);
    await writeFile(join(input, 'Invoices.csv'), invoices);
    const result = await runBuild({ inputs: [input], outDir: out, maxBatchBytes: 16 * 1024 });
    assert.ok(result.batches.length >= 4);
    const { rows, order } = await readBatches(out, result.batches.map((b) => b.file));
    assert.equal(rows.get('invoice.csv')!.length, 3000);
    assert.equal(rows.get('invoiceline.csv')!.length, 3000);
    assert.equal(order.lastIndexOf('invoice.csv') <= order.indexOf('invoiceline.csv'), true);
    for (const b of result.batches) assert.ok(b.bytes <= 16 * 1024);
    const names = await readdir(out);
    assert.deepEqual(names.filter((n) => n.endsWith('.partial')), []);
  });

  it('spreads a model over two batches from early on when its input forecasts more than one', async (t) => {
    const dir = await tempDir(t);
    const input = join(dir, 'invoiceline.csv');
    // Text deflate shrinks little, so some 9 MB of lines fill about 1.6 batches of 3 MiB.
    let seed = 1;
    const noise = () => {
      let text = '';
      while (text.length < 100) text += (seed = (seed * 1103515245 + 12345) & 0x7fffffff).toString(36);
      return text.slice(0, 100);
    };
    const count = 64_000;
    const lines = ['erpKey,invoiceErpKey,lineNumber,description'];
    for (let i = 0; i < count; i++) lines.push(`L-${i},INV-${i >> 2},${(i & 3) + 1},${noise()}`);
    await writeFile(input, lines.join('\n') + '\n');
    const out = join(dir, 'out');
    const maxBatchBytes = 3 << 20;
    const result = await runBuild({ inputs: [input], outDir: out, maxBatchBytes, orphans: 'off' });
    // Filled one after the other, they would be a full batch and then two sharing the rest.
    assert.equal(result.batches.length, 2, result.batches.map((b) => `${b.file} ${b.bytes}`).join(', '));
    const batchOf = new Map<string, number>();
    for (const [index, batch] of result.batches.entries()) {
      assert.ok(batch.bytes <= maxBatchBytes);
      for (const row of await parseCsv((await readZip(join(out, batch.file))).get('invoiceline.csv')!)) batchOf.set(row.erpKey, index);
    }
    assert.equal(batchOf.size, count);
    const firstHalf = new Set(Array.from({ length: count / 2 }, (_, i) => batchOf.get(`L-${i}`)));
    assert.equal(firstHalf.size, 2, 'the first half of the lines went to both batches');
  });
});
