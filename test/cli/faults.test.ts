// Faults that must lose nothing (issue #7): signals, kill -9, a full disk.
// Inputs are small (a few MB) and iterations few, to keep the suite fast.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { parseCsv, readZip, ROOT, runCli, tempDir } from '../helpers.js';

const BIN = join(ROOT, 'bin', 'sagesync.js');

/** A Company CSV of `rows` records whose names barely compress. */
async function companies(dir: string, rows: number): Promise<string> {
  const lines = ['erpKey,companyName,companyType,isActive'];
  for (let i = 0; i < rows; i++) lines.push(`K${i},${randomBytes(12).toString('hex')},${i % 97 === 0 ? 'Nope' : 'Company'},true`);
  const input = join(dir, 'in');
  await mkdir(input, { recursive: true });
  await writeFile(join(input, 'companies.csv'), lines.join('\n') + '\n');
  return input;
}

function startBuild(input: string, out: string): ChildProcess & { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, 'build', input, '--out', out, '--max-batch-bytes', '40KB', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  return Object.assign(child, { done });
}

/** Resolves once a temporary batch exists in `out`: the build is writing records. */
async function writingBatches(out: string, child: { exitCode: number | null }): Promise<void> {
  for (;;) {
    const names = await readdir(out).catch(() => [] as string[]);
    if (names.some((n) => /^\.batch-.*\.partial$/.test(n)) || child.exitCode !== null) return;
    await sleep(5);
  }
}

/** Each output under its final name is whole: ZIPs read back completely, CSV and JSON parse. */
async function assertFinalFilesWhole(out: string): Promise<void> {
  for (const name of await readdir(out)) {
    if (name.endsWith('.partial')) continue;
    const path = join(out, name);
    if (name.endsWith('.zip')) await readZip(path);
    else if (name.endsWith('.csv')) await parseCsv(await readFile(path, 'utf8'));
    else if (name.endsWith('.json')) JSON.parse(await readFile(path, 'utf8'));
  }
}

async function digest(out: string) {
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  const files = (await readdir(out)).filter((n) => !n.startsWith('.')).sort();
  const hashes = await Promise.all(files.map(async (n) => [n, createHash('sha256').update(await readFile(join(out, n))).digest('hex')]));
  return { counts: manifest.counts, batches: manifest.batches.map((b: { file: string; sha256: string }) => [b.file, b.sha256]), files: hashes.filter(([n]) => n !== 'manifest.json') };
}

describe('faults', () => {
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`stops cleanly on ${signal}, keeps nothing and says how far it got`, async (t) => {
      const dir = await tempDir(t);
      const input = await companies(dir, 40_000);
      const out = join(dir, 'out');
      const child = startBuild(input, out);
      await writingBatches(out, child);
      child.kill(signal);
      const { code, stderr } = await child.done;
      assert.equal(code, status, stderr);
      assert.match(stderr, new RegExp(`interrupted \\(${signal}\\) after \\d+ records from 0 of 1 inputs; no output was kept`));
      assert.deepEqual(await readdir(out), []);
    });
  }

  it('loses nothing when killed with SIGKILL: no partial file under a final name, and a rerun gives the same batches', async (t) => {
    const dir = await tempDir(t);
    const input = await companies(dir, 10_000);
    const reference = join(dir, 'reference');
    assert.equal((await runCli(['build', input, '--out', reference, '--max-batch-bytes', '40KB', '--quiet'])).code, 0);
    const expected = await digest(reference);
    assert.ok(expected.batches.length > 3);
    for (const delay of [0, 50]) {
      const out = join(dir, `killed-${delay}`);
      const child = startBuild(input, out);
      await writingBatches(out, child);
      await sleep(delay);
      child.kill('SIGKILL');
      await child.done;
      await assertFinalFilesWhole(out);
      const rerun = await runCli(['build', input, '--out', out, '--max-batch-bytes', '40KB', '--quiet']);
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.deepEqual(await digest(out), expected, `killed after ${delay} ms`);
      assert.deepEqual((await readdir(out)).filter((n) => n.endsWith('.partial')), [], 'the rerun removed the leftovers');
    }
  });

  it('stops with a clear error on a full disk and removes its temporary files', async (t) => {
    const isRoot = process.getuid?.() === 0;
    const dir = await tempDir();
    const out = join(dir, 'small-disk');
    await mkdir(out);
    const mounted = isRoot && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', out]).status === 0;
    t.after(async () => {
      if (mounted) spawnSync('umount', [out]);
      await rm(dir, { recursive: true, force: true });
    });
    if (!mounted) {
      t.skip('needs root to mount a small tmpfs');
      return;
    }
    const input = await companies(dir, 10_000);
    const result = await runCli(['build', input, '--out', out, '--max-batch-bytes', '100KB', '--quiet']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^sagesync: cannot write to .*small-disk: ENOSPC: no space left on device, write; nothing was kept$/m);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(await readdir(out), []);
  });
});
