import assert from 'node:assert/strict';
import type { GenerateFormat } from '../../src/generate/records.js';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { exportedFields, modelCounts, modelText, DEFECT_CODES } from '../../src/generate/records.js';
import { runGenerate, TRUTH_FILE } from '../../src/generate/write.js';
import { runBuild } from '../../src/pipeline/build.js';
import { ALL_MODELS, getModel, referencesOf } from '../../src/schema/index.js';
import { parseCsv, readZip, SAMPLES, tempDir } from '../helpers.js';

const GENERATED = join(SAMPLES, 'generated');

/**
 * Builds a generated folder and checks rejects.csv against its truth file:
 * every injected defect is rejected at its line with its code, and nothing
 * else is rejected.
 */
async function assertRejectsMatchTruth(dir: string, out: string, format: GenerateFormat) {
  const result = await runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 50_000_000 });
  const truth = await parseCsv(await readFile(join(dir, TRUTH_FILE), 'utf8'));
  const rejects = await parseCsv(await readFile(result.rejectsFile, 'utf8'));
  // An unreadable JSON record has no key the build could report.
  const expectedKey = (t: Record<string, string>) => (t.code === 'MALFORMED' && format !== 'csv' ? '' : t.erpKey);
  const describe = (file: string, line: string, key: string, field: string, code: string) => `${file}:${line} ${key} ${field} ${code}`;
  assert.deepEqual(
    rejects.map((r) => describe(basename(r.file), r.line, r.erpKey, r.field, r.code)).sort(),
    truth.map((t) => describe(t.file, t.line, expectedKey(t), t.field, t.code)).sort(),
  );
  assert.equal(result.counts.rejected, truth.length);
  return { result, truth };
}

describe('sagesync generate', () => {
  it('the committed generated sample builds with exactly the rejects its truth file lists', async (t) => {
    const { result, truth } = await assertRejectsMatchTruth(GENERATED, await tempDir(t), 'csv');
    assert.deepEqual(new Set(truth.map((d) => d.code)), new Set(DEFECT_CODES), 'every kind of defect is present');
    assert.equal(Object.keys(result.counts.byModel).length, ALL_MODELS.length);
  });

  for (const format of ['ndjson', 'json', 'protobuf'] as const) {
    it(`${format}: every injected defect is rejected with its code, nothing else`, async (t) => {
      const dir = await tempDir(t);
      await runGenerate({ outDir: dir, format, seed: 11, defectRate: 0.08, invoices: 60, linesPerInvoice: 3 });
      const { truth } = await assertRejectsMatchTruth(dir, join(dir, 'out'), format);
      assert.ok(truth.length > 20, `defects were injected (${truth.length})`);
    });
  }

  it('writes only valid references: every foreign key names a record that was written', async (t) => {
    const dir = await tempDir(t);
    await runGenerate({ outDir: dir, format: 'csv', seed: 3, defectRate: 0.05, invoices: 40, linesPerInvoice: 2 });
    const result = await runBuild({ inputs: [dir], outDir: join(dir, 'out'), maxBatchBytes: 50_000_000 });
    const rows = new Map<string, Record<string, string>[]>();
    for (const batch of result.batches) {
      for (const [name, text] of await readZip(join(dir, 'out', batch.file))) rows.set(name, await parseCsv(text));
    }
    const values = (model: string, field: string) => new Set(rows.get(`${getModel(model).entry}.csv`)!.map((r) => r[field]));
    let checked = 0;
    for (const model of ALL_MODELS) {
      for (const record of rows.get(`${model.entry}.csv`) ?? []) {
        for (const ref of referencesOf(model)) {
          const value = record[ref.field.name];
          if (!value) continue;
          const target = ref.target ?? record.tableKey;
          assert.ok(values(target, ref.targetField).has(value), `${model.name}.${ref.field.name} = ${value} names no ${target}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 100, `references checked: ${checked}`);
  });

  it('is deterministic by seed and follows the contract for its columns', () => {
    const counts = modelCounts({ invoices: 30, linesPerInvoice: 2 });
    const model = getModel('InvoiceLine');
    const text = (seed: number) => [...modelText(model, counts, { format: 'csv', seed, defectRate: 0.1 })].map((c) => c.text).join('');
    assert.equal(text(5), text(5));
    assert.notEqual(text(5), text(6));
    const header = text(5).slice(0, text(5).indexOf('\n')).split(',');
    assert.deepEqual(header, exportedFields(model).map((f) => f.name));
    assert.equal(header.length, 24);
    assert.match(text(5), /"[^"\n]*""[^"\n]*""[^"\n]*, pack of/, 'descriptions carry quotes and commas');
  });
});
