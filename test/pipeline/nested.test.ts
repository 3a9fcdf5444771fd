import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBuild, type BuildOptions } from '../../src/pipeline/build.js';
import { readBatchJson } from '../batch-json-contract.js';
import { parseCsv, readZip, tempDir } from '../helpers.js';

const INVOICE_MAP = {
  files: [{
    match: 'invoice_documents.ndjson',
    model: 'Invoice',
    fields: { erpKey: 'number', companyErpKey: 'company', customerErpKey: 'customer', currencyRate: { constant: '1' }, totalAmount: 'total' },
    nested: [{ path: 'lines', model: 'InvoiceLine', fields: { erpKey: 'id', lineNumber: 'no', description: 'text', totalAmount: 'amount' } }],
  }],
};

/** Invoices with 0-4 nested lines each; invoice 7 has a bad total, and every 50th line lacks its number. */
function invoiceDocuments(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) {
    const lines = Array.from({ length: i % 5 }, (_, k) => ({ id: `L-${i}-${k}`, no: (i * 5 + k) % 50 === 49 ? '' : String(k + 1), text: `Item ${k}, "batch" ${i}`, amount: `${i}.${k}5` }));
    text += JSON.stringify({ number: `INV-${i}`, company: 'ACME', customer: `C-${i % 7}`, total: i === 7 ? 'seven' : `${i}00.10`, lines }) + '\n';
  }
  return text;
}

async function buildNested(t: { after(fn: () => Promise<void>): void }, text: string, extra: Partial<BuildOptions> = {}, mapping: unknown = INVOICE_MAP) {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'invoice_documents.ndjson'), text);
  await writeFile(join(dir, 'map.json'), JSON.stringify(mapping));
  const out = join(dir, 'out');
  const result = await runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 1e6, mapping: join(dir, 'map.json'), ...extra });
  return { result, out, dir };
}

describe('nested documents', () => {
  it('splits invoices and their lines, fills invoiceErpKey from the parent, and keeps every child after its parent', async (t) => {
    const { result, out } = await buildNested(t, invoiceDocuments(400), { maxBatchBytes: 4096 });
    assert.ok(result.batches.length > 2, `${result.batches.length} batches`);
    const seen = new Map<string, Record<string, string>[]>();
    const batchOf = new Map<string, number>();
    for (const [index, batch] of result.batches.entries()) {
      for (const [name, text] of await readZip(join(out, batch.file))) {
        const rows = await parseCsv(text);
        seen.set(name, [...(seen.get(name) ?? []), ...rows]);
        if (name === 'invoice.csv') for (const r of rows) batchOf.set(r.erpKey, index);
        // INV-7 is rejected; its lines are records of their own and still go out.
        if (name === 'invoiceline.csv') for (const r of rows) if (r.invoiceErpKey !== 'INV-7') assert.ok(batchOf.get(r.invoiceErpKey)! <= index, `${r.erpKey} lands before its invoice`);
      }
    }
    const invoices = seen.get('invoice.csv')!;
    const lines = seen.get('invoiceline.csv')!;
    assert.equal(invoices.length, 399);
    const expectedLines = Array.from({ length: 400 }, (_, i) => i % 5).reduce((a, b) => a + b, 0);
    const rejectedLines = Array.from({ length: 400 }, (_, i) => Array.from({ length: i % 5 }, (_, k) => (i * 5 + k) % 50 === 49)).flat().filter(Boolean).length;
    assert.equal(lines.length, expectedLines - rejectedLines);
    for (const line of lines) {
      const [, i, k] = /^L-(\d+)-(\d+)$/.exec(line.erpKey)!;
      assert.equal(line.invoiceErpKey, `INV-${i}`);
      assert.equal(line.description, `Item ${k}, "batch" ${i}`);
      assert.equal(line.totalAmount, `${i}.${k}5`);
    }
    assert.equal(result.counts.byModel.InvoiceLine.read, expectedLines);
    assert.equal(result.counts.byModel.InvoiceLine.rejected, rejectedLines);
    assert.equal(result.counts.read, result.counts.written + result.counts.rejected);
    // Rejected lines point at their parent's line in the source file (line i + 1 for invoice i).
    const rejects = await parseCsv(await readFile(result.rejectsFile, 'utf8'));
    for (const r of rejects.filter((r) => r.model === 'InvoiceLine')) {
      const [, i] = /^L-(\d+)-/.exec(r.erpKey)!;
      assert.equal(Number(r.line), Number(i) + 1);
      assert.equal(r.field, 'lineNumber');
    }
    assert.deepEqual(rejects.filter((r) => r.model === 'Invoice').map((r) => [r.line, r.erpKey, r.field]), [['8', 'INV-7', 'totalAmount']]);
    // The spill files are gone.
    assert.deepEqual((await readdir(out)).filter((n) => n.startsWith('.')), []);
  });

  it('writes the same split as BatchSyncModel documents', async (t) => {
    const { result, out } = await buildNested(t, invoiceDocuments(60), { format: 'batch-json', maxBatchBytes: 4096 });
    const records = await readBatchJson(out, result.batches, 4096, { isFullSync: false, appEnrollmentId: null });
    assert.equal(records.get('Invoice')!.length, 59);
    const lines = records.get('InvoiceLine')!;
    assert.equal(lines.length, result.counts.byModel.InvoiceLine.written);
    for (const line of lines) assert.equal(line.invoiceErpKey, `INV-${/^L-(\d+)-/.exec(line.erpKey as string)![1]}`);
  });

  it('splits payments with nested applications, with a declared link and a non-array reported as TYPE', async (t) => {
    const dir = await tempDir(t);
    const payments = [
      { id: 'P-1', co: 'C-1', amount: '100.00', on: '2024-03-01', apps: [{ key: 'A-1', inv: 'INV-1', n: 1, amt: '60.00' }, { key: 'A-2', inv: 'INV-2', n: 2, amt: '40.00' }] },
      { id: 'P-2', co: 'C-2', amount: '5.00', on: '2024-03-02', apps: { key: 'A-3' } },
      { id: 'P-3', co: 'C-3', amount: '7.00', on: '2024-03-03' },
    ];
    await writeFile(join(dir, 'receipts.json'), JSON.stringify(payments, null, 2));
    await writeFile(join(dir, 'map.json'), JSON.stringify({
      files: [{
        match: 'receipts.json',
        model: 'Payment',
        fields: {
          erpKey: 'id', companyErpKey: 'co', paymentType: { constant: 'AR Payment' }, isOpen: { constant: false }, paymentDate: 'on', postDate: 'on',
          paymentAmount: 'amount', unappliedAmount: { constant: 0 }, currencyRate: { constant: 1 }, baseCurrencyPaymentAmount: 'amount', baseCurrencyUnappliedAmount: { constant: '0' },
        },
        nested: [{
          path: 'apps',
          model: 'PaymentApplied',
          link: { paymentErpKey: 'erpKey', applyToInvoiceDate: 'paymentDate' },
          fields: { erpKey: 'key', invoiceErpKey: 'inv', entryNumber: 'n', paymentAppliedAmount: 'amt' },
        }],
      }],
    }));
    const out = join(dir, 'out');
    const result = await runBuild({ inputs: [join(dir, 'receipts.json')], outDir: out, maxBatchBytes: 1e6, mapping: join(dir, 'map.json') });
    const entries = await readZip(join(out, result.batches[0].file));
    assert.deepEqual([...entries.keys()], ['payment.csv', 'paymentapplied.csv']);
    assert.deepEqual(await parseCsv(entries.get('paymentapplied.csv')!), [
      { erpKey: 'A-1', invoiceErpKey: 'INV-1', paymentErpKey: 'P-1', entryNumber: '1', applyToInvoiceDate: '2024-03-01', paymentAppliedAmount: '60.00' },
      { erpKey: 'A-2', invoiceErpKey: 'INV-2', paymentErpKey: 'P-1', entryNumber: '2', applyToInvoiceDate: '2024-03-01', paymentAppliedAmount: '40.00' },
    ]);
    assert.equal((await parseCsv(entries.get('payment.csv')!)).length, 3);
    const rejects = await parseCsv(await readFile(result.rejectsFile, 'utf8'));
    assert.deepEqual(rejects.map((r) => [r.line, r.model, r.field, r.code]), [['22', 'PaymentApplied', 'apps', 'TYPE']]);
  });

  it('stops at a rejected child with --on-invalid fail, keeping no batch and no spill file', async (t) => {
    const dir = await tempDir(t);
    const bad = { number: 'INV-X', company: 'ACME', customer: 'C-0', total: '1', lines: [{ id: 'L-X-0', no: '1' }, { id: 'L-X-1', text: 'no number' }] };
    await writeFile(join(dir, 'invoice_documents.ndjson'), JSON.stringify(bad) + '\n' + invoiceDocuments(5));
    await writeFile(join(dir, 'map.json'), JSON.stringify(INVOICE_MAP));
    const out = join(dir, 'out');
    await assert.rejects(
      runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 1e6, mapping: join(dir, 'map.json'), onInvalid: 'fail' }),
      /first invalid record .*invoice_documents\.ndjson:1 lineNumber REQUIRED/,
    );
    assert.deepEqual((await readdir(out)).sort(), ['rejects.csv']);
  });
});
