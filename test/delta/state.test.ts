import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ChangeState } from '../../src/delta/state.js';
import { runBuild, type BuildOptions } from '../../src/pipeline/build.js';
import { tempDir } from '../helpers.js';
import { writeInputs, writtenRows } from '../integrity/fixtures.js';

const COMPANY_HEADER = 'erpKey,companyName,companyType,isActive';

describe('change-state file', () => {
  it('round-trips every entry through a file of 16 bytes per entry', async (t) => {
    const dir = await tempDir(t);
    const state = new ChangeState();
    const n = 70_000; // more than one write chunk
    for (let i = 0; i < n; i++) {
      assert.equal(state.isUnchanged(i * 7919, i + 1, i, ~i), false);
      state.record(i * 7919, i + 1, i, ~i);
    }
    const path = join(dir, 'state.bin');
    await state.save(path);
    assert.equal((await readFile(path)).length, 8 + 16 * n);
    const loaded = await ChangeState.load(path);
    assert.equal(loaded.table.size, n);
    for (let i = 0; i < n; i += 997) assert.equal(loaded.isUnchanged(i * 7919, i + 1, i, ~i), true);
    assert.equal(loaded.isUnchanged(7919, 2, 1, 0), false, 'changed content');
    assert.deepEqual(await readdir(dir), ['state.bin'], 'no temporary file left');
  });

  it('treats a missing file as the first run and refuses a file that is not a state', async (t) => {
    const dir = await tempDir(t);
    assert.equal((await ChangeState.load(join(dir, 'none'))).table.size, 0);
    await writeFile(join(dir, 'junk'), 'hello world, not a state');
    await assert.rejects(ChangeState.load(join(dir, 'junk')), /not a sagesync state file/);
    await writeFile(join(dir, 'short'), Buffer.concat([Buffer.from('SGSTATE1'), Buffer.alloc(10)]));
    await assert.rejects(ChangeState.load(join(dir, 'short')), /truncated/);
  });
});

describe('change detection in a build', () => {
  async function run(dir: string, companies: string[], options: Partial<BuildOptions> = {}) {
    const [input] = await writeInputs(dir, { 'companies.csv': [COMPANY_HEADER, ...companies] });
    const outDir = join(dir, 'out');
    const result = await runBuild({ inputs: [input], outDir, maxBatchBytes: 1_000_000, stateFile: join(dir, 'state.bin'), ...options });
    const rows = await writtenRows(outDir, result);
    return { result, written: (rows.get('company.csv') ?? []).map((r) => r.erpKey) };
  }

  it('drops records unchanged since the last successful run and counts them', async (t) => {
    const dir = await tempDir(t);
    const first = await run(dir, ['A,Alpha,Company,true', 'B,Beta,Customer,true', 'X,Bad,Nope,true']);
    assert.deepEqual(first.written, ['A', 'B']);
    const second = await run(dir, ['A,Alpha,Company,true', 'B,Beta Renamed,Customer,true', 'C,Gamma,Customer,true', 'X,Bad,Nope,true']);
    assert.deepEqual(second.written, ['B', 'C']);
    assert.deepEqual(second.result.counts.byModel.Company, { read: 4, written: 2, rejected: 1, unchanged: 1, outOfWindow: 0 });
    // A record left out of a delta is still remembered: A stays unchanged.
    const third = await run(dir, ['A,Alpha,Company,true', 'B,Beta Renamed,Customer,true']);
    assert.deepEqual(third.written, []);
    assert.equal(third.result.counts.unchanged, 2);
    assert.equal(third.result.counts.read, third.result.counts.written + third.result.counts.rejected + third.result.counts.unchanged);
  });

  it('detects unchanged records with the duplicate check off', async (t) => {
    const dir = await tempDir(t);
    await run(dir, ['A,Alpha,Company,true'], { duplicates: 'off' });
    const second = await run(dir, ['A,Alpha,Company,true', 'B,Beta,Company,true'], { duplicates: 'off' });
    assert.deepEqual([second.written, second.result.counts.unchanged], [['B'], 1]);
  });

  it('does not remember a record that no batch could hold', async (t) => {
    const dir = await tempDir(t);
    const huge = `H,${'h'.repeat(3000)},Company,true`;
    const first = await run(dir, ['A,Alpha,Company,true', huge], { maxBatchBytes: 2048 });
    assert.deepEqual([first.written, first.result.counts.rejected], [['A'], 1]);
    const second = await run(dir, ['A,Alpha,Company,true', huge], { maxBatchBytes: 2048 });
    assert.deepEqual(second.result.counts.byModel.Company, { read: 2, written: 0, rejected: 1, unchanged: 1, outOfWindow: 0 });
  });

  it('writes unchanged records anyway in a full sync, which must be complete', async (t) => {
    const dir = await tempDir(t);
    await run(dir, ['A,Alpha,Company,true']);
    const full = await run(dir, ['A,Alpha,Company,true'], { isFullSync: true });
    assert.deepEqual(full.written, ['A']);
    assert.equal(full.result.counts.unchanged, 0);
  });

  it('leaves the previous state intact when a run fails midway', async (t) => {
    const dir = await tempDir(t);
    await run(dir, ['A,Alpha,Company,true']);
    const before = await readFile(join(dir, 'state.bin'));
    const many = Array.from({ length: 30_000 }, (_, i) => `K-${i},Name ${i} ${'x'.repeat(40)},Customer,true`);
    const controller = new AbortController();
    await assert.rejects(
      run(dir, ['A,Alpha Changed,Company,true', ...many], {
        signal: controller.signal,
        // Fail after the first batch of records has gone through the checks and into the state table.
        onProgress: () => controller.abort(new Error('injected failure')),
      }),
      /injected failure|aborted/,
    );
    assert.deepEqual(await readFile(join(dir, 'state.bin')), before);
    assert.deepEqual((await readdir(dir)).filter((name) => name.includes('state')), ['state.bin']);
    const after = await run(dir, ['A,Alpha,Company,true']);
    assert.equal(after.result.counts.unchanged, 1);
  });
});
