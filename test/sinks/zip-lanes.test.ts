import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getModel, type Model } from '../../src/schema/index.js';
import { csvFormatter } from '../../src/sinks/format.js';
import { ZipBatchLanes } from '../../src/sinks/zip-lanes.js';
import { encodeLines } from '../../src/sinks/zip-thread.js';
import { parseCsv, readZip, tempDir } from '../helpers.js';

const company = getModel('Company');
const invoice = getModel('Invoice');
const line = getModel('InvoiceLine');

/** Pseudo-random text deflate cannot shrink much, different for every seed. */
function noisy(seed: number, length: number): string {
  let x = seed + 1;
  let out = '';
  while (out.length < length) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += x.toString(36);
  }
  return out.slice(0, length);
}

interface Written {
  /** Keys of each model in the order they were written. */
  keys: Map<string, string[]>;
  blocks: Uint8Array[];
  handedBack: Uint8Array[];
}

/** Writes `count` records of each model, `perMessage` to a message, through ZipBatchLanes. */
async function writeModels(dir: string, maxBytes: number, models: [Model, number][], perMessage = 40) {
  const written: Written = { keys: new Map(), blocks: [], handedBack: [] };
  const lanes = new ZipBatchLanes({ outDir: dir, maxBytes, maxRecords: 0, level: 6 }, (text) => {
    written.handedBack.push(text);
    // Scribbling over a block handed back would show in the archive if zlib still needed it.
    text.fill(0x58);
  });
  for (const [model, count] of models) {
    // The key and some text column with no rule on its content.
    const text = model.fields.find((f) => f.type === 'string' && f.name !== 'erpKey' && !f.ref && !f.required)!;
    const format = csvFormatter([model.byName.get('erpKey')!, text]);
    lanes.beginModel(model, format);
    const keys: string[] = [];
    for (let start = 0; start < count; start += perMessage) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(count, start + perMessage); i++) {
        const key = `${model.name}-${i}`;
        keys.push(key);
        lines.push(format.line([key, noisy(keys.length * 31 + model.order, 120)]));
      }
      const records = encodeLines(lines, (bytes) => new ArrayBuffer(bytes));
      written.blocks.push(records.text);
      await lanes.write(records);
    }
    await lanes.endModel();
    written.keys.set(model.name, keys);
  }
  return { batches: await lanes.finish(), written };
}

/**
 * `count` invoice lines, L-0 on, in messages of 40, with a model begun for
 * them; with `shareRead`, each message says it as the share of the lines
 * written by then.
 */
async function writeLines(lanes: ZipBatchLanes, count: number, shareRead?: (written: number) => number): Promise<void> {
  const format = csvFormatter([line.byName.get('erpKey')!, line.byName.get('description')!]);
  lanes.beginModel(line, format);
  for (let start = 0; start < count; start += 40) {
    const lines = Array.from({ length: 40 }, (_, i) => format.line([`L-${start + i}`, noisy(start + i, 120)]));
    await lanes.write(encodeLines(lines, (bytes) => new ArrayBuffer(bytes)), shareRead?.(start + 40));
  }
}

/** Writes `count` invoice lines through two lanes and reads back the batch of each. */
async function spreadLines(dir: string, maxBytes: number, count: number, shareRead?: (written: number) => number) {
  const lanes = new ZipBatchLanes({ outDir: dir, maxBytes, maxRecords: 0, level: 6 });
  await writeLines(lanes, count, shareRead);
  await lanes.endModel();
  const batches = await lanes.finish();
  for (const batch of batches) assert.ok(batch.bytes <= maxBytes, `${batch.file} is ${batch.bytes} bytes`);
  const where = await batchOfKey(dir, batches.map((b) => b.file));
  assert.equal(where.size, count, 'every line written once');
  return { batches, where };
}

/** The batch number of every record, by key, read back from the archives. */
async function batchOfKey(dir: string, files: readonly string[]): Promise<Map<string, number>> {
  const where = new Map<string, number>();
  for (const [index, file] of files.entries()) {
    for (const text of (await readZip(join(dir, file))).values()) {
      for (const row of await parseCsv(text)) {
        assert.ok(!where.has(row.erpKey), `${row.erpKey} written twice`);
        where.set(row.erpKey, index + 1);
      }
    }
  }
  return where;
}

describe('ZipBatchLanes', () => {
  it('writes two batches at once once one is full, keeping parents in batches no later than their children', async (t) => {
    const dir = await tempDir(t);
    const maxBytes = 64 * 1024;
    const { batches, written } = await writeModels(dir, maxBytes, [
      [company, 1200],
      [invoice, 1500],
      [line, 4000],
    ]);
    assert.deepEqual(
      batches.map((b) => b.file),
      batches.map((_, i) => `batch-${String(i + 1).padStart(4, '0')}.zip`),
    );
    const partFilled = [];
    for (const batch of batches) {
      const size = (await stat(join(dir, batch.file))).size;
      assert.equal(size, batch.bytes);
      assert.ok(size <= maxBytes, `${batch.file} is ${size} bytes`);
      if (size < 0.8 * maxBytes) partFilled.push(batch.file);
    }
    // One batch left at the switch from invoices to lines, and the two open at the end.
    assert.ok(partFilled.length <= 3, `part-filled: ${partFilled.join(', ')}`);

    const where = await batchOfKey(dir, batches.map((b) => b.file));
    const batchesOf = (model: Model) => written.keys.get(model.name)!.map((key) => where.get(key)!);
    for (const [model, count] of [[company, 1200], [invoice, 1500], [line, 4000]] as const) {
      assert.equal(batchesOf(model).filter((n) => n !== undefined).length, count, `every ${model.name} written once`);
    }
    const companies = batchesOf(company);
    assert.ok(companies.every((n, i) => i === 0 || n >= companies[i - 1]), 'companies, which refer to one another, keep the input order');
    assert.ok(Math.max(...companies) <= Math.min(...batchesOf(invoice)), 'no invoice before a company');
    assert.ok(Math.max(...batchesOf(invoice)) <= Math.min(...batchesOf(line)), 'no invoice line before an invoice');
    const lines = batchesOf(line);
    assert.ok(lines.some((n, i) => i > 0 && n < lines[i - 1]), 'invoice lines were written to two batches at once');

    assert.equal(written.handedBack.length, written.blocks.length);
    assert.deepEqual(new Set(written.handedBack), new Set(written.blocks));
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.partial')), []);
  });

  it('writes output that fits one batch as one batch', async (t) => {
    const dir = await tempDir(t);
    const { batches } = await writeModels(dir, 1_000_000, [
      [invoice, 1500],
      [line, 4000],
    ]);
    assert.equal(batches.length, 1);
    assert.equal(batches[0].records, 5500);
  });

  it('spreads the output over two batches from early on when the share read forecasts more than one batch', async (t) => {
    // 40,000 lines of noise deflate to about 1.6 times the limit; the limit is
    // large against the streams' buffers, so deflate's ratio shows early.
    const maxBytes = 2 << 20;
    const count = 40_000;
    const unplanned = await spreadLines(await tempDir(t), maxBytes, count);
    assert.equal(unplanned.batches.length, 3, 'without a forecast: one full batch, then the rest over two');
    const planned = await spreadLines(await tempDir(t), maxBytes, count, (written) => written / count);
    assert.equal(planned.batches.length, 2);
    const firstHalf = new Set(Array.from({ length: count / 2 }, (_, i) => planned.where.get(`L-${i}`)));
    assert.equal(firstHalf.size, 2, 'the first half of the lines went to both batches');
  });

  it('keeps output that a forecast says fits one batch in one', async (t) => {
    const { batches } = await spreadLines(await tempDir(t), 1_000_000, 2400, (written) => written / 2400);
    assert.equal(batches.length, 1);
  });

  it('costs no more than a part-filled batch when a forecast is too high', async (t) => {
    // As a delta whose window keeps only its first records would tell it: little of the input read, much written.
    const { batches } = await spreadLines(await tempDir(t), 4 << 20, 20_000, () => 0.02);
    assert.equal(batches.length, 2);
    const { batches: unplanned } = await spreadLines(await tempDir(t), 4 << 20, 20_000);
    assert.equal(unplanned.length, 1);
  });

  it('writes one batch at a time with one lane', async (t) => {
    const dir = await tempDir(t);
    const lanes = new ZipBatchLanes({ outDir: dir, maxBytes: 16 * 1024, maxRecords: 0, level: 6, lanes: 1 });
    await writeLines(lanes, 2000);
    await lanes.endModel();
    const batches = await lanes.finish();
    const where = await batchOfKey(dir, batches.map((b) => b.file));
    const order = Array.from({ length: 2000 }, (_, i) => where.get(`L-${i}`)!);
    assert.ok(batches.length > 3);
    assert.ok(order.every((n, i) => i === 0 || n >= order[i - 1]), 'input order');
  });

  it('leaves no file behind when aborted with two batches open', async (t) => {
    const dir = await tempDir(t);
    const lanes = new ZipBatchLanes({ outDir: dir, maxBytes: 16 * 1024, maxRecords: 0, level: 6 });
    await writeLines(lanes, 1000);
    await lanes.abort();
    assert.deepEqual(await readdir(dir), []);
  });
});
