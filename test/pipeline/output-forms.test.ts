import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBuild } from '../../src/pipeline/build.js';
import { ALL_MODELS } from '../../src/schema/index.js';
import { readBatchJson } from '../batch-json-contract.js';
import { parseCsv, readZip, runCli, SAMPLES, tempDir } from '../helpers.js';

const ENROLLMENT = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';

describe('output forms share the counts, manifest and rejects', () => {
  it('--entry-format jsonl writes <model>.jsonl entries, nulls omitted, decimals as exact number literals', async (t) => {
    const csvOut = await tempDir(t);
    const jsonlOut = await tempDir(t);
    const csv = await runBuild({ inputs: [SAMPLES], outDir: csvOut, maxBatchBytes: 50e6 });
    const jsonl = await runBuild({ inputs: [SAMPLES], outDir: jsonlOut, maxBatchBytes: 50e6, entryFormat: 'jsonl' });
    assert.deepEqual(jsonl.counts, csv.counts);
    assert.equal(await readFile(jsonl.rejectsFile, 'utf8'), await readFile(csv.rejectsFile, 'utf8'));
    const csvEntries = await readZip(join(csvOut, csv.batches[0].file));
    const jsonlEntries = await readZip(join(jsonlOut, jsonl.batches[0].file));
    assert.deepEqual([...jsonlEntries.keys()], [...csvEntries.keys()].map((n) => n.replace(/\.csv$/, '.jsonl')));
    for (const [name, text] of jsonlEntries) {
      const model = ALL_MODELS.find((m) => `${m.entry}.jsonl` === name)!;
      const csvRows = await parseCsv(csvEntries.get(`${model.entry}.csv`)!);
      const lines = text.split('\n');
      assert.equal(lines.pop(), '', 'every record ends with a newline');
      assert.equal(lines.length, csvRows.length);
      lines.forEach((line, i) => {
        const object = JSON.parse(line) as Record<string, unknown>;
        for (const [key, value] of Object.entries(object)) {
          assert.notEqual(value, null, `${name} ${key} is null`);
          const expected = csvRows[i][key];
          const field = model.byName.get(key)!;
          // Compare the exact literal text, not a double.
          const literal = new RegExp(`"${key}":(-?[0-9.]+|true|false)[,}]`).exec(line)?.[1];
          if (field.type === 'decimal' || field.type === 'int') assert.equal(literal, expected, `${name} ${key}`);
          else if (field.type === 'boolean') assert.equal(String(value), expected);
          else if (field.type !== 'json') assert.equal(value, expected, `${name} ${key}`);
        }
        for (const [key, text] of Object.entries(csvRows[i])) if (text === '') assert.ok(!(key in object), `${key} is omitted`);
      });
    }
    assert.match(jsonlEntries.get('invoice.jsonl')!, /"totalAmount":12345678901234567\.89[,}]/);
  });

  it('--format batch-json writes BatchSyncModel documents holding the same records', async (t) => {
    const zipOut = await tempDir(t);
    const jsonOut = await tempDir(t);
    const zip = await runBuild({ inputs: [SAMPLES], outDir: zipOut, maxBatchBytes: 50e6, entryFormat: 'jsonl' });
    const json = await runBuild({ inputs: [SAMPLES], outDir: jsonOut, maxBatchBytes: 2048, format: 'batch-json', isFullSync: true, appEnrollmentId: ENROLLMENT });
    assert.deepEqual(json.counts, zip.counts);
    assert.ok(json.batches.length > 2, 'the small limit splits the documents');
    const records = await readBatchJson(jsonOut, json.batches, 2048, { isFullSync: true, appEnrollmentId: ENROLLMENT });
    const entries = new Map<string, string>();
    for (const b of zip.batches) for (const [name, text] of await readZip(join(zipOut, b.file))) entries.set(name, (entries.get(name) ?? '') + text);
    for (const model of ALL_MODELS) {
      const expected = (entries.get(`${model.entry}.jsonl`) ?? '').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      assert.deepEqual(records.get(model.name) ?? [], expected, model.name);
    }
    const manifest = JSON.parse(await readFile(json.manifestFile!, 'utf8'));
    assert.deepEqual(manifest.batches.map((b: { file: string }) => b.file), json.batches.map((b) => b.file));
    assert.equal(manifest.entryFormat, 'batch-json');
    assert.equal(manifest.counts.written, json.batches.reduce((sum, b) => sum + b.records, 0));
    // A child never lands in an earlier document than its parent.
    const firstDoc = (property: string) => json.batches.findIndex((b) => b.entries.some((e) => e.name === property));
    const lastDoc = (property: string) => json.batches.map((b) => b.entries.some((e) => e.name === property)).lastIndexOf(true);
    assert.ok(lastDoc('invoices') <= firstDoc('invoiceLines'));
  });

  it('the CLI takes --format batch-json and refuses it with --entry-format csv', async (t) => {
    const out = await tempDir(t);
    const result = await runCli(['build', SAMPLES, '--out', out, '--format', 'batch-json', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.read, summary.written + summary.rejected);
    const records = await readBatchJson(out, summary.batches, 50e6, { isFullSync: false, appEnrollmentId: null });
    assert.equal([...records.values()].reduce((sum, r) => sum + r.length, 0), summary.written);
    const refused = await runCli(['build', SAMPLES, '--out', out, '--format', 'batch-json', '--entry-format', 'csv']);
    assert.equal(refused.code, 2);
    assert.equal((await runCli(['build', SAMPLES, '--out', out, '--format', 'xml'])).code, 2);
  });
});
