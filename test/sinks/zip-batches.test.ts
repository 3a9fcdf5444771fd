import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getModel } from '../../src/schema/index.js';
import { csvFormatter } from '../../src/sinks/format.js';
import { ZipBatchWriter } from '../../src/sinks/zip-batches.js';
import { encodeLines } from '../../src/sinks/zip-thread.js';
import { parseCsv, readZip, tempDir } from '../helpers.js';

const line = getModel('InvoiceLine');

/** Text deflate cannot shrink much, some of it multi-byte, different for every key. */
function description(key: number): string {
  let x = key + 1;
  let out = `line ${key} ${'é'.repeat(key % 7)} `;
  for (let i = 0; i < 12; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += x.toString(36);
  }
  return out;
}

describe('ZipBatchWriter', () => {
  it('hands each block back once, only after zlib has taken all of it in', async (t) => {
    const dir = await tempDir(t);
    const handedBack: Uint8Array[] = [];
    // Scribbling over a block handed back would show in the archive if zlib still needed it.
    const writer = new ZipBatchWriter({ outDir: dir, maxBytes: 200_000, maxRecords: 0, level: 6 }, (text) => {
      handedBack.push(text);
      text.fill(0x58);
    });
    const format = csvFormatter([line.byName.get('erpKey')!, line.byName.get('description')!]);
    writer.beginModel(line, format);
    const blocks: Uint8Array[] = [];
    let key = 0;
    for (let block = 0; block < 40; block++) {
      const lines: string[] = [];
      // About 40 KiB a block: more than zlib's write buffer, so its drain events run.
      for (let i = 0; i < 400; i++, key++) lines.push(format.line([`L-${key}`, description(key)]));
      const records = encodeLines(lines, (bytes) => new ArrayBuffer(bytes));
      blocks.push(records.text);
      await writer.write(records);
    }
    await writer.endModel();
    const batches = await writer.finish();
    assert.ok(batches.length >= 3, `rollovers split blocks across batches (${batches.length} batches)`);
    assert.equal(handedBack.length, blocks.length);
    assert.deepEqual(new Set(handedBack), new Set(blocks));
    let expected = 0;
    for (const batch of batches) {
      const rows = await parseCsv((await readZip(join(dir, batch.file))).get('invoiceline.csv')!);
      for (const row of rows) {
        assert.equal(row.erpKey, `L-${expected}`);
        assert.equal(row.description, description(expected));
        expected++;
      }
    }
    assert.equal(expected, key);
  });
});
