import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { detectInput } from '../../src/sources/detect.js';
import { estimateRecords } from '../../src/sources/estimate.js';
import { tempDir } from '../helpers.js';

async function estimate(dir: string, name: string, text: string | Buffer): Promise<number | undefined> {
  const path = join(dir, name);
  await writeFile(path, text);
  return estimateRecords(detectInput(path), Buffer.byteLength(text));
}

describe('estimateRecords', () => {
  it('counts the lines of a file smaller than the sample', async (t) => {
    const dir = await tempDir(t);
    assert.equal(await estimate(dir, 'invoices.csv', 'erpKey\nA\nB'), 3);
  });

  it('estimates a large file from its first 256 KiB', async (t) => {
    const dir = await tempDir(t);
    const rows = 200_000;
    const lines = Array.from({ length: rows }, (_, i) => `{"erpKey":"INV-${i}","note":"${'x'.repeat(i % 40)}"}`);
    const records = (await estimate(dir, 'invoices.ndjson', lines.join('\n') + '\n'))!;
    assert.ok(records > rows * 0.9 && records <= rows * 1.1, `${records} for ${rows}`);
  });

  it('says nothing where lines are not records or the size is not the text', async (t) => {
    const dir = await tempDir(t);
    assert.equal(await estimate(dir, 'invoices.json', '[\n{"erpKey":"A"},\n{"erpKey":"B"}\n]'), undefined);
    assert.equal(await estimate(dir, 'invoices.csv.gz', Buffer.from([0x1f, 0x8b, 8, 0])), undefined);
  });
});
