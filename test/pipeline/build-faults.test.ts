import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BuildInterrupted, runBuild } from '../../src/pipeline/build.js';
import { tempDir, writeInputs } from '../helpers.js';

const CSV = 'erpKey,companyName,companyType,isActive\nA,x,Company,true\nB,y,Company,true\n';

describe('runBuild under faults', () => {
  it('warns when an input changes while it is read', async (t) => {
    const dir = await writeInputs(t, { 'companies.csv': CSV });
    const out = await tempDir(t);
    const file = join(dir, 'companies.csv');
    const result = await runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 100_000, onProgress: () => appendFileSync(file, 'C,z,Company,true\n') });
    assert.ok(result.warnings.some((w) => w.startsWith(`${file}: the file changed while it was read (size ${CSV.length} -> `)), result.warnings.join('\n'));
  });

  it('stops, keeping nothing, when an input changes while read with strict', async (t) => {
    const dir = await writeInputs(t, { 'companies.csv': CSV });
    const out = await tempDir(t);
    const file = join(dir, 'companies.csv');
    await assert.rejects(
      runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 100_000, strict: true, onProgress: () => appendFileSync(file, 'C,z,Company,true\n') }),
      { code: 'INPUT_CHANGED', message: /companies\.csv: the file changed while it was read .*\(--strict\)$/ },
    );
    assert.deepEqual(await readdir(out), []);
  });

  it('removes temporary files a killed run left, and nothing else', async (t) => {
    const dir = await writeInputs(t, { 'companies.csv': CSV });
    const out = await tempDir(t);
    const stale = ['.batch-0001.zip.0123abcd.partial', '.rejects.csv.89abcdef.partial', '.manifest.json.00000000.partial'];
    for (const name of [...stale, '.notes.partial', 'keep.txt']) await writeFile(join(out, name), 'old');
    await runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 100_000 });
    assert.deepEqual((await readdir(out)).sort(), ['.notes.partial', 'batch-0001.zip', 'keep.txt', 'manifest.json', 'rejects.csv']);
  });

  it('stops on an aborted signal, says how far it got and keeps nothing', async (t) => {
    const dir = await writeInputs(t, { 'companies.csv': CSV, 'contacts.csv': 'erpKey,companyErpKey,isActive\nP,A,true\n' });
    const out = await tempDir(t);
    const controller = new AbortController();
    const error = await runBuild({
      inputs: [dir],
      outDir: out,
      maxBatchBytes: 100_000,
      signal: controller.signal,
      onProgress: () => controller.abort(new Error('SIGINT')),
    }).catch((e: unknown) => e);
    assert.ok(error instanceof BuildInterrupted, String(error));
    assert.equal(error.message, 'interrupted (SIGINT) after 2 records from 0 of 2 inputs; no output was kept');
    assert.equal(error.counts.read, 2);
    assert.deepEqual(await readdir(out), []);
  });
});
