import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getModel } from '../../src/schema/index.js';
import { BatchJsonWriter } from '../../src/sinks/batch-json.js';
import { jsonlFormatter } from '../../src/sinks/format.js';
import { readBatchJson } from '../batch-json-contract.js';
import { tempDir } from '../helpers.js';

const invoice = getModel('Invoice');
const line = getModel('InvoiceLine');
async function writeInvoicesAndLines(outDir: string, maxBytes: number, maxRecords: number, counts: [number, number]) {
  const writer = new BatchJsonWriter({ outDir, maxBytes, maxRecords, isFullSync: true, appEnrollmentId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
  const invoiceFormat = jsonlFormatter([invoice.byName.get('erpKey')!, invoice.byName.get('totalAmount')!]);
  writer.beginModel(invoice, invoiceFormat);
  const tooLarge: number[] = [];
  for (let start = 0; start < counts[0]; start += 50) {
    const lines = [];
    for (let i = start; i < Math.min(counts[0], start + 50); i++) lines.push(invoiceFormat.line([`INV-${i}`, `${i + 1}2345678901234567.${i % 10}0`]));
    tooLarge.push(...(await writer.write(lines)));
  }
  await writer.endModel();
  const lineFormat = jsonlFormatter([line.byName.get('erpKey')!, line.byName.get('invoiceErpKey')!, line.byName.get('description')!]);
  writer.beginModel(line, lineFormat);
  const lines = [];
  for (let i = 0; i < counts[1]; i++) lines.push(lineFormat.line([`L-${i}`, `INV-${i % counts[0]}`, `Line "${i}" ✓\n` + 'x'.repeat(i % 40)]));
  tooLarge.push(...(await writer.write(lines)));
  await writer.endModel();
  return { batches: await writer.finish(), tooLarge };
}

describe('BatchJsonWriter', () => {
  it('splits at --max-batch-bytes with every document valid, full and never over the limit', async (t) => {
    const dir = await tempDir(t);
    const maxBytes = 4096;
    const { batches, tooLarge } = await writeInvoicesAndLines(dir, maxBytes, 0, [300, 500]);
    assert.deepEqual(tooLarge, []);
    assert.ok(batches.length > 5);
    const records = await readBatchJson(dir, batches, maxBytes, { isFullSync: true, appEnrollmentId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
    assert.deepEqual(records.get('Invoice')!.map((r) => r.erpKey), Array.from({ length: 300 }, (_, i) => `INV-${i}`));
    assert.deepEqual(records.get('InvoiceLine')!.map((r) => r.erpKey), Array.from({ length: 500 }, (_, i) => `L-${i}`));
    assert.equal(records.get('InvoiceLine')![7].description, 'Line "7" ✓\n' + 'x'.repeat(7));
    // Decimals are JSON number literals with their exact text.
    const text = await readFile(join(dir, batches[0].file), 'utf8');
    assert.match(text, /"totalAmount":12345678901234567\.00[,}]/);
    // A document is closed only when the next record would not fit: each is nearly full.
    for (const b of batches.slice(0, -1)) assert.ok(b.bytes > maxBytes - 200, `${b.file} is ${b.bytes} bytes`);
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.partial')), []);
  });

  it('splits at --max-batch-records', async (t) => {
    const dir = await tempDir(t);
    const { batches } = await writeInvoicesAndLines(dir, 1_000_000, 120, [100, 150]);
    assert.deepEqual(batches.map((b) => b.records), [120, 120, 10]);
    assert.deepEqual(batches[0].entries.map((e) => [e.model, e.records]), [['Invoice', 100], ['InvoiceLine', 20]]);
    await readBatchJson(dir, batches, 1_000_000, { isFullSync: true, appEnrollmentId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
  });

  it('hands back a record no document can hold, and keeps no empty document', async (t) => {
    const dir = await tempDir(t);
    const writer = new BatchJsonWriter({ outDir: dir, maxBytes: 200, maxRecords: 0, isFullSync: false, appEnrollmentId: null });
    const format = jsonlFormatter([line.byName.get('erpKey')!]);
    writer.beginModel(line, format);
    assert.deepEqual(await writer.write([format.line(['x'.repeat(300)]), format.line(['ok'])]), [0]);
    await writer.endModel();
    const batches = await writer.finish();
    assert.equal(batches.length, 1);
    const doc = JSON.parse(await readFile(join(dir, batches[0].file), 'utf8'));
    assert.deepEqual(doc, { isFullSync: false, appEnrollmentId: null, invoiceLines: [{ erpKey: 'ok' }] });
  });

  it('abort removes every temporary file', async (t) => {
    const dir = await tempDir(t);
    const writer = new BatchJsonWriter({ outDir: dir, maxBytes: 300, maxRecords: 0, isFullSync: false, appEnrollmentId: null });
    const format = jsonlFormatter([line.byName.get('erpKey')!]);
    writer.beginModel(line, format);
    await writer.write(Array.from({ length: 50 }, (_, i) => format.line([`L-${i}`])));
    await writer.abort();
    assert.deepEqual(await readdir(dir), []);
  });
});
