import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getModel } from '../../src/schema/index.js';
import { csvFormatter } from '../../src/sinks/format.js';
import { encodeLines, ZipBatchThread } from '../../src/sinks/zip-thread.js';
import { parseCsv, readZip, tempDir } from '../helpers.js';

const invoice = getModel('Invoice');
const line = getModel('InvoiceLine');

/** Pseudo-random text so deflate cannot shrink it much: the hard case for a byte bound. */
function noisy(seed: number, length: number): string {
  let x = seed;
  let out = '';
  while (out.length < length) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += x.toString(36);
  }
  return out.slice(0, length);
}

async function writeRecords(outDir: string, maxBytes: number, maxRecords: number, counts: [number, number]) {
  const writer = new ZipBatchThread({ outDir, maxBytes, maxRecords, level: 6 });
  const invoiceColumns = [invoice.byName.get('erpKey')!, invoice.byName.get('referenceCode')!];
  const lineColumns = [line.byName.get('erpKey')!, line.byName.get('invoiceErpKey')!, line.byName.get('description')!];
  const invoiceFormat = csvFormatter(invoiceColumns);
  writer.beginModel(invoice, invoiceFormat);
  for (let start = 0; start < counts[0]; start += 100) {
    const lines = [];
    for (let i = start; i < Math.min(counts[0], start + 100); i++) lines.push(invoiceFormat.line([`INV-${i}`, noisy(i, 80)]));
    assert.deepEqual(await writer.write(lines), []);
  }
  await writer.endModel();
  const lineFormat = csvFormatter(lineColumns);
  writer.beginModel(line, lineFormat);
  for (let start = 0; start < counts[1]; start += 250) {
    const lines = [];
    for (let i = start; i < Math.min(counts[1], start + 250); i++) lines.push(lineFormat.line([`L-${i}`, `INV-${i % counts[0]}`, noisy(i + 7, 120)]));
    assert.deepEqual(await writer.write(lines), []);
  }
  await writer.endModel();
  return writer.finish();
}

describe('ZipBatchThread and its ZipBatchWriter', () => {
  it('rolls over below --max-batch-bytes, fills batches, and loses no record', async (t) => {
    const dir = await tempDir(t);
    const maxBytes = 64 * 1024;
    const batches = await writeRecords(dir, maxBytes, 0, [1500, 4000]);
    assert.ok(batches.length > 3, `expected several batches, got ${batches.length}`);
    const seen = { invoice: new Set<string>(), line: new Set<string>() };
    let lastInvoiceBatch = -1;
    let firstLineBatch = Infinity;
    for (const [index, batch] of batches.entries()) {
      const path = join(dir, batch.file);
      const size = (await stat(path)).size;
      assert.equal(size, batch.bytes);
      assert.ok(size <= maxBytes, `${batch.file} is ${size} bytes`);
      if (index < batches.length - 1) assert.ok(size >= 0.8 * maxBytes, `${batch.file} only ${size} bytes`);
      execFileSync('unzip', ['-tq', path]);
      const entries = await readZip(path);
      assert.deepEqual([...entries.keys()], batch.entries.map((e) => e.name));
      for (const [name, text] of entries) {
        const rows = await parseCsv(text);
        assert.equal(rows.length, batch.entries.find((e) => e.name === name)!.records);
        const bucket = name === 'invoice.csv' ? seen.invoice : seen.line;
        for (const row of rows) {
          assert.ok(!bucket.has(row.erpKey), `${row.erpKey} written twice`);
          bucket.add(row.erpKey);
        }
        if (name === 'invoice.csv') lastInvoiceBatch = index;
        else firstLineBatch = Math.min(firstLineBatch, index);
      }
    }
    assert.equal(seen.invoice.size, 1500);
    assert.equal(seen.line.size, 4000);
    assert.ok(firstLineBatch >= lastInvoiceBatch, 'children never land before their parents');
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.partial')), []);
  });

  it('caps records per batch', async (t) => {
    const dir = await tempDir(t);
    const batches = await writeRecords(dir, 50_000_000, 1000, [1500, 1200]);
    assert.deepEqual(batches.map((b) => b.records), [1000, 1000, 700]);
    assert.deepEqual(batches[1].entries.map((e) => [e.name, e.records]), [['invoice.csv', 500], ['invoiceline.csv', 500]]);
  });

  it('hands back a record too large for any batch instead of splitting forever', async (t) => {
    const dir = await tempDir(t);
    const writer = new ZipBatchThread({ outDir: dir, maxBytes: 4096, maxRecords: 0, level: 6 });
    const format = csvFormatter([invoice.byName.get('erpKey')!, invoice.byName.get('referenceCode')!]);
    writer.beginModel(invoice, format);
    const tooLarge = await writer.write([format.line(['A', 'small']), format.line(['B', noisy(1, 6000)]), format.line(['C', 'small'])]);
    assert.deepEqual(tooLarge, [1]);
    await writer.endModel();
    const batches = await writer.finish();
    assert.equal(batches.length, 1);
    assert.equal(batches[0].records, 2);
    const rows = await parseCsv((await readZip(join(dir, batches[0].file))).get('invoice.csv')!);
    assert.deepEqual(rows.map((row) => row.erpKey), ['A', 'C']);
  });

  it('keeps the order of lines across writes larger than the room left in a message', async (t) => {
    const dir = await tempDir(t);
    const writer = new ZipBatchThread({ outDir: dir, maxBytes: 50_000_000, maxRecords: 0, level: 1 });
    const format = csvFormatter([invoice.byName.get('erpKey')!, invoice.byName.get('referenceCode')!]);
    writer.beginModel(invoice, format);
    // Lines of about 100 bytes. Messages are sent from 256 KiB and buffers hold 512 KiB: the 400 KB write
    // does not fit beside the first 200 KB, and the 700 KB one needs a buffer larger than the rest.
    const sizes = [2000, 4000, 10, 7000, 10];
    let key = 0;
    for (const size of sizes) {
      const lines = Array.from({ length: size }, () => format.line([`K-${key++}`, noisy(key, 90)]));
      assert.deepEqual(await writer.write(lines), []);
    }
    await writer.endModel();
    const batches = await writer.finish();
    const rows = await parseCsv((await readZip(join(dir, batches[0].file))).get('invoice.csv')!);
    assert.deepEqual(
      rows.map((row) => row.erpKey),
      Array.from({ length: key }, (_, k) => `K-${k}`),
    );
  });

  it('keeps no batch when every record offered to it was too large', async (t) => {
    const dir = await tempDir(t);
    const writer = new ZipBatchThread({ outDir: dir, maxBytes: 4096, maxRecords: 0, level: 6 });
    const format = csvFormatter([invoice.byName.get('erpKey')!, invoice.byName.get('referenceCode')!]);
    writer.beginModel(invoice, format);
    assert.deepEqual(await writer.write([format.line(['A', 'small'])]), []);
    await writer.endModel();
    writer.beginModel(line, csvFormatter([line.byName.get('erpKey')!, line.byName.get('description')!]));
    assert.deepEqual(await writer.write([format.line(['L', noisy(2, 8000)]), format.line(['M', noisy(3, 8000)])]), [0, 1]);
    await writer.endModel();
    const batches = await writer.finish();
    assert.deepEqual(batches.map((b) => [b.file, b.records]), [['batch-0001.zip', 1]]);
    assert.deepEqual((await readdir(dir)).sort(), ['batch-0001.zip']);
  });

  it('leaves no file at all when the only batch would be empty', async (t) => {
    const dir = await tempDir(t);
    const writer = new ZipBatchThread({ outDir: dir, maxBytes: 4096, maxRecords: 0, level: 6 });
    const format = csvFormatter([invoice.byName.get('erpKey')!, invoice.byName.get('referenceCode')!]);
    writer.beginModel(invoice, format);
    assert.deepEqual(await writer.write([format.line(['B', noisy(1, 6000)])]), [0]);
    await writer.endModel();
    assert.deepEqual(await writer.finish(), []);
    assert.deepEqual(await readdir(dir), []);
  });
});

describe('encodeLines', () => {
  it('gives the UTF-8 offset past every line, multi-byte characters included', () => {
    // A lone surrogate is written as U+FFFD, 3 bytes, as when the lines are encoded joined.
    const lines = ['a,b\n', 'é,€\n', '𝄞\n', 'plain\n', 'x\uD800\n'];
    const { text, ends } = encodeLines(lines, (bytes) => new ArrayBuffer(bytes + 100));
    assert.deepEqual(Buffer.from(text), Buffer.from(lines.join('')));
    assert.deepEqual([...ends], [4, 11, 16, 22, 27]);
  });
});
