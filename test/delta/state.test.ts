import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ChangeState } from '../../src/delta/state.js';
import { runBuild, type BuildOptions } from '../../src/pipeline/build.js';
import { tempDir } from '../helpers.js';
import { readReport, writeInputs, writtenRows } from '../integrity/fixtures.js';

const COMPANY_HEADER = 'erpKey,companyName,companyType,isActive';

describe('change-state file', () => {
  it('round-trips every entry through a file of 16 bytes per entry, spilled ones included', async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, 'state.bin');
    const first = await ChangeState.load(path);
    const n = 70_000; // more than one spill chunk
    for (let i = 0; i < n; i++) {
      assert.equal(first.lookup(i * 7919, i + 1), 'new');
      first.claim(i * 7919, i + 1, i);
      first.keep(i * 7919, i + 1, i, ~i);
    }
    assert.equal(first.lookup(7919, 2), 'seen');
    assert.equal(first.value[0], 1, 'the position of the first record');
    assert.ok((await readdir(dir)).some((name) => name.endsWith('.partial')), 'the spill file is written as the run goes');
    await first.save();
    assert.equal((await readFile(path)).length, 8 + 16 * n);
    const second = await ChangeState.load(path);
    assert.equal(second.table.size, n);
    for (let i = 0; i < n; i += 997) {
      assert.equal(second.lookup(i * 7919, i + 1), 'known');
      assert.deepEqual([...second.value], [i, ~i >>> 0]);
    }
    assert.equal(second.lookup(1, 1), 'new');
    assert.deepEqual(await readdir(dir), ['state.bin'], 'no temporary file left');
  });

  it('holds a line position alone on a first run, a content hash too after', async (t) => {
    const dir = await tempDir(t);
    const first = await ChangeState.load(join(dir, 'state.bin'), 1_000_000);
    assert.equal(first.table.valueWords, 1);
    assert.ok(first.table.bytes / 1_000_000 < 14.2, `${first.table.bytes / 1_000_000} bytes a key`);
    first.lookup(1, 1);
    first.claim(1, 1, 5);
    first.keep(1, 1, 10, 100);
    await first.save();
    const second = await ChangeState.load(join(dir, 'state.bin'));
    assert.equal(second.table.valueWords, 2);
    assert.equal(second.lookup(1, 1), 'known');
    assert.deepEqual([...second.value], [10, 100]);
  });

  it('keeps the identities a run did not read as they were', async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, 'state.bin');
    const first = await ChangeState.load(path);
    for (const id of [1, 2, 3]) {
      first.lookup(id, id);
      first.claim(id, id, id);
      first.keep(id, id, id * 10, id * 100);
    }
    await first.save();
    const second = await ChangeState.load(path);
    assert.equal(second.lookup(2, 2), 'known');
    second.claim(2, 2, 7);
    second.keep(2, 2, 21, 201);
    await second.save();
    const third = await ChangeState.load(path);
    const entries = [1, 2, 3].map((id) => (third.lookup(id, id), [...third.value]));
    assert.deepEqual(entries, [[10, 100], [21, 201], [30, 300]]);
  });

  it('removes its spill file when a run fails, and the spill of a killed run at the next load', async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, 'state.bin');
    const failed = await ChangeState.load(path);
    for (let i = 1; i < 70_000; i++) failed.keep(i, i, i, i);
    await failed.discard();
    assert.deepEqual(await readdir(dir), []);
    await writeFile(join(dir, '.state.bin.0123abcd.partial'), 'left by a killed run');
    await ChangeState.load(path);
    assert.deepEqual(await readdir(dir), []);
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

  it('keeps the fingerprint a record had when no batch could hold its new copy', async (t) => {
    const dir = await tempDir(t);
    const small = 'H,Small,Company,true';
    const huge = `H,${'h'.repeat(3000)},Company,true`;
    assert.deepEqual((await run(dir, [small], { maxBatchBytes: 2048 })).written, ['H']);
    const second = await run(dir, [huge], { maxBatchBytes: 2048 });
    assert.deepEqual([second.written, second.result.counts.rejected], [[], 1]);
    // The server still has the small copy, so reading it again is no change.
    const third = await run(dir, [small], { maxBatchBytes: 2048 });
    assert.deepEqual(third.result.counts.byModel.Company, { read: 1, written: 0, rejected: 0, unchanged: 1, outOfWindow: 0 });
  });

  it('writes unchanged records anyway in a full sync, which must be complete', async (t) => {
    const dir = await tempDir(t);
    await run(dir, ['A,Alpha,Company,true']);
    const full = await run(dir, ['A,Alpha,Company,true'], { isFullSync: true });
    assert.deepEqual(full.written, ['A']);
    assert.equal(full.result.counts.unchanged, 0);
  });

  it('rejects a repeated identity on a later run too, citing its first line, and remembers the copy written', async (t) => {
    const dir = await tempDir(t);
    await run(dir, ['A,Alpha,Company,true']);
    const second = await run(dir, ['A,Alpha,Company,true', 'A,Alpha Again,Company,true', 'B,Beta,Customer,true']);
    assert.deepEqual(second.written, ['B']);
    assert.deepEqual(second.result.counts.byModel.Company, { read: 3, written: 1, rejected: 1, unchanged: 1, outOfWindow: 0 });
    const [reject] = await readReport(second.result.rejectsFile);
    assert.equal(reject.code, 'DUPLICATE_KEY');
    assert.match(reject.reason, /companies\.csv:2, which is kept/);
    const third = await run(dir, ['A,Alpha,Company,true', 'B,Beta,Customer,true']);
    assert.equal(third.result.counts.unchanged, 2);
  });

  it('keeps the old fingerprint of a record left out by the window', async (t) => {
    const dir = await tempDir(t);
    const header = `${COMPANY_HEADER},modified`;
    const files = (companies: string[]) => writeInputs(dir, { 'companies.csv': [header, ...companies] });
    const build = async (options: Partial<BuildOptions> = {}) =>
      runBuild({ inputs: [join(dir, 'companies.csv')], outDir: join(dir, 'out'), maxBatchBytes: 1_000_000, stateFile: join(dir, 'state.bin'), ...options });
    await files(['A,Alpha,Company,true,2024-01-01T00:00:00Z']);
    await build();
    await files(['A,Alpha Changed,Company,true,2024-01-01T00:00:00Z']);
    assert.equal((await build({ since: Date.parse('2025-01-01T00:00:00Z') })).counts.outOfWindow, 1);
    await files(['A,Alpha,Company,true,2024-01-01T00:00:00Z']);
    assert.equal((await build()).counts.unchanged, 1);
  });

  it('remembers the copy kept under last-wins', async (t) => {
    const dir = await tempDir(t);
    const first = await run(dir, ['A,Alpha,Company,true', 'A,Alpha Two,Company,true'], { duplicates: 'last-wins' });
    assert.deepEqual([first.written, first.result.counts.rejected], [['A'], 1]);
    const second = await run(dir, ['A,Alpha Two,Company,true'], { duplicates: 'last-wins' });
    assert.equal(second.result.counts.unchanged, 1);
  });

  it('counts an unchanged parent as read: its children are no orphans', async (t) => {
    const dir = await tempDir(t);
    const files = { 'companies.csv': [COMPANY_HEADER, 'C-1,One,Company,true'], 'contacts.csv': ['erpKey,companyErpKey,isActive,contactName', 'CT-1,C-1,true,Jane', 'CT-2,C-9,true,Nobody'] };
    const build = async (contactName: string) => {
      files['contacts.csv'][1] = `CT-1,C-1,true,${contactName}`;
      const inputs = await writeInputs(dir, files);
      const result = await runBuild({ inputs, outDir: join(dir, 'out'), maxBatchBytes: 1_000_000, stateFile: join(dir, 'state.bin'), orphans: 'reject' });
      return { result, rejects: await readReport(result.rejectsFile) };
    };
    const first = await build('Jane');
    assert.deepEqual(first.rejects.map((r) => [r.erpKey, r.code]), [['CT-2', 'ORPHAN']]);
    const second = await build('Jane Renamed');
    assert.deepEqual(second.result.counts.byModel.Company, { read: 1, written: 0, rejected: 0, unchanged: 1, outOfWindow: 0 });
    assert.deepEqual(second.result.counts.byModel.Contact, { read: 2, written: 1, rejected: 1, unchanged: 0, outOfWindow: 0 });
    assert.deepEqual(second.rejects.map((r) => [r.erpKey, r.code]), [['CT-2', 'ORPHAN']]);
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
