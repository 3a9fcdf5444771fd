import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { ChildSpills } from '../../src/pipeline/spill.js';
import { getModel } from '../../src/schema/index.js';
import { tempDir } from '../helpers.js';

const line = getModel('InvoiceLine');
const applied = getModel('PaymentApplied');

describe('ChildSpills', () => {
  it('gives back every record in order, byte for byte, whatever it holds, then removes its file', async (t) => {
    const dir = await tempDir(t);
    const spills = new ChildSpills(dir);
    const records = [
      'L-1,INV-1,"multi\nline, ""quoted"""\n',
      '{"erpKey":"L-2","description":"emoji 🚀 and ü"}\n',
      'x'.repeat(3 * 1024 * 1024) + '\n', // larger than a read-back chunk
      ',,,\n',
    ];
    const keys = ['L-1', 'key, with\ncomma and newline', 'L-3', ''];
    await spills.add(line, 'a.ndjson', records.slice(0, 2), [1, 2], keys.slice(0, 2));
    await spills.add(applied, 'b.json', ['other model\n'], [9], ['A-1']);
    await spills.add(line, 'c.ndjson', records.slice(2), [3, 4], keys.slice(2));
    assert.equal((await readdir(dir)).length, 2, 'one spill file per child model');
    const got = { records: [] as string[], keys: [] as string[], lines: [] as number[], files: [] as string[] };
    for await (const batch of spills.take(line)) {
      got.records.push(...batch.records);
      got.keys.push(...batch.keys);
      got.lines.push(...batch.sourceLines);
      got.files.push(...batch.inputs.map((i) => batch.files[i]));
    }
    assert.deepEqual(got, { records, keys, lines: [1, 2, 3, 4], files: ['a.ndjson', 'a.ndjson', 'c.ndjson', 'c.ndjson'] });
    assert.equal((await readdir(dir)).length, 1);
    await spills.discard();
    assert.deepEqual(await readdir(dir), []);
  });
});
