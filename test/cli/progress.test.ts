import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressLine } from '../../src/cli/progress.js';
import { runBuild } from '../../src/pipeline/build.js';
import type { Progress } from '../../src/pipeline/build.js';
import { runCli, SAMPLES, tempDir } from '../helpers.js';
import { join } from 'node:path';

describe('build progress', () => {
  it('shows rows, rate, bytes read of total, batch and ETA', () => {
    const progress: Progress = { counts: { read: 20_000, written: 19_990, rejected: 10, unchanged: 0, outOfWindow: 0 }, bytesRead: 4 << 20, bytesTotal: 12 << 20, batches: 2 };
    const line = progressLine(progress, 2);
    assert.equal(line, '20,000 rows · 10,000 rows/s · 4.00 MiB of 12.0 MiB read · batch 2 · ETA 0:04');
  });

  it('reports the batch being written as batches roll over', async (t) => {
    const out = await tempDir(t);
    const seen: number[] = [];
    const result = await runBuild({
      inputs: [join(SAMPLES, 'generated')],
      outDir: out,
      maxBatchBytes: 12_000,
      onProgress: (p) => seen.push(p.batches),
    });
    assert.ok(result.batches.length > 2, `several batches (${result.batches.length})`);
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'never goes back');
    // The writer's thread confirms batches a few writes behind the reader, never ahead.
    assert.ok(seen.at(-1)! <= result.batches.length);
    assert.ok(new Set(seen.filter((b) => b > 0)).size > 1, `rollovers shown (${[...new Set(seen)]})`);
  });

  it('draws nothing when stderr is not a terminal', async (t) => {
    const result = await runCli(['build', SAMPLES, '--out', await tempDir(t)]);
    assert.equal(result.code, 0);
    assert.doesNotMatch(result.stderr, /rows\/s|\r/);
  });
});
