import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getModel } from '../../src/schema/index.js';
import { detectInput } from '../../src/sources/detect.js';
import { scanJsonFileKeys } from '../../src/sources/json-keys.js';
import { tempDir } from '../helpers.js';

/** Scans in two halves from any size on. */
const ALWAYS = 1;

describe('scanJsonFileKeys', () => {
  it('finds the same keys in two halves as in one pass, wherever the cut falls', async (t) => {
    const dir = await tempDir(t);
    // Records whose keys sit before line breaks and blanks, and one key
    // ("edge") whose ":" stands on the line after it; the padding moves the
    // middle of the file across all of them.
    for (let pad = 0; pad < 24; pad++) {
      const records = [`{"first": 1, "note": "${'x'.repeat(pad)}"}`];
      for (let i = 0; i < 6; i++) records.push(`{"k${i}"\n  :\n ${i}, "v": "a:b\\":"}`);
      records.push(`{"edge"\n: "late", "ünï": 2}`);
      const path = join(dir, `doc-${pad}.json`);
      const text = `[\n${records.join(',\n')}\n]\n`;
      await writeFile(path, text);
      const file = detectInput(path, getModel('Invoice'));
      const bytes = Buffer.byteLength(text);
      const together = await scanJsonFileKeys(file, bytes, {}, Infinity);
      assert.deepEqual([...(await scanJsonFileKeys(file, bytes, {}, ALWAYS))].sort(), [...together].sort(), `pad ${pad}`);
      assert.ok(together.has('edge') && together.has('ünï') && together.has('k5'));
    }
  });

  it('reports a defect in the second half at its exact byte, as a one-pass scan does', async (t) => {
    const dir = await tempDir(t);
    const good = Buffer.from(`${'{"erpKey": "A"}\n'.repeat(200)}`);
    const path = join(dir, 'invoices.ndjson');
    await writeFile(path, Buffer.concat([good, Buffer.from([0xff]), Buffer.from('\n')]));
    const file = detectInput(path, getModel('Invoice'));
    await assert.rejects(scanJsonFileKeys(file, good.length + 2, {}, ALWAYS), new RegExp(`invalid UTF-8 at byte ${good.length}`));
  });
});
