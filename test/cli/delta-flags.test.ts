import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { ROOT, runCli, tempDir } from '../helpers.js';
import { COMPANIES, CONTACTS, INVOICES, LINES, writeInputs } from '../integrity/fixtures.js';

describe('sagesync build: integrity and delta options', () => {
  it('refuses --since or --window with --full, and unknown policies, with exit 2', async (t) => {
    const dir = await tempDir(t);
    const [input] = await writeInputs(dir, { 'companies.csv': COMPANIES });
    for (const args of [
      ['--full', '--since', '2024-03-01'],
      ['--full', '--window', '48h'],
      ['--since', '2024-03-01', '--window', '48h'],
      ['--window', '48'],
      ['--since', 'last week'],
      ['--duplicates', 'first-wins'],
      ['--orphans', 'ignore'],
    ]) {
      const result = await runCli(['build', input, '--out', join(dir, 'out'), ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    }
  });

  it('stops with exit 1 at a state file that is not one, without hanging on the writer thread', { timeout: 30_000 }, async (t) => {
    const dir = await tempDir(t);
    const [input] = await writeInputs(dir, { 'companies.csv': COMPANIES });
    await writeFile(join(dir, 'state.bin'), 'not a state');
    const result = await runCli(['build', input, '--out', join(dir, 'out'), '--state', join(dir, 'state.bin')]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /is not a sagesync state file/);
  });

  it('prints the full accounting and the warnings file of a delta', async (t) => {
    const dir = await tempDir(t);
    const inputs = await writeInputs(dir, { 'companies.csv': COMPANIES, 'contacts.csv': CONTACTS, 'invoices.csv': INVOICES, 'invoicelines.csv': LINES });
    const out = join(dir, 'out');
    const result = await runCli(['build', ...inputs, '--out', out, '--since', '2024-03-01T00:00:01Z']);
    assert.equal(result.code, 0, result.stderr);
    const match = /read (\d+) = written (\d+) \+ rejected (\d+) \+ unchanged (\d+) \+ outOfWindow (\d+)/.exec(result.stdout);
    assert.ok(match, result.stdout);
    const [read, written, rejected, unchanged, outOfWindow] = match.slice(1).map(Number);
    // Companies and invoices carry a modified before the window; contacts and lines carry none.
    assert.deepEqual([read, written, rejected, unchanged, outOfWindow], [10, 5, 0, 0, 5]);
    // C-3's orphan is out of the window, so only CT-2 and L-3 are warned about.
    assert.match(result.stdout, /orphan warnings \(2\): .*warnings\.csv/);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.counts.outOfWindow, 5);
  });

  it('keeps the previous state when the build process is killed mid-run', async (t) => {
    const dir = await tempDir(t);
    const [small] = await writeInputs(dir, { 'companies.csv': ['erpKey,companyName,companyType,isActive', 'A,Alpha,Company,true'] });
    const state = join(dir, 'state.bin');
    const first = await runCli(['build', small, '--out', join(dir, 'out1'), '--state', state]);
    assert.equal(first.code, 0, first.stderr);
    const before = await readFile(state);

    const big = join(dir, 'big', 'companies.csv');
    await mkdir(join(dir, 'big'));
    const out = createWriteStream(big);
    out.write('erpKey,companyName,companyType,isActive\nA,Alpha Changed,Company,true\n');
    for (let i = 0; i < 300_000; i++) if (!out.write(`K-${i},Company number ${i} with a long enough name,Customer,true\n`)) await once(out, 'drain');
    out.end();
    await once(out, 'close');

    const outDir = join(dir, 'out2');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'sagesync.js'), 'build', big, '--out', outDir, '--state', state, '--quiet'], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    // Kill once records are streaming into a batch, well before the end.
    let streaming = false;
    for (let i = 0; i < 2000 && !streaming && child.exitCode === null; i++) {
      await sleep(5);
      streaming = (await readdir(outDir).catch(() => [] as string[])).some((name) => name.endsWith('.partial'));
    }
    assert.ok(streaming, 'the build was caught while writing');
    child.kill('SIGKILL');
    const [code, signal] = await exited;
    assert.equal(signal, 'SIGKILL', `exit code ${code}`);
    assert.deepEqual(await readFile(state), before);

    const again = await runCli(['build', small, '--out', join(dir, 'out3'), '--state', state, '--json']);
    assert.equal(JSON.parse(again.stdout).unchanged, 1);
  });
});
