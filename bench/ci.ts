// npm run bench:ci: a short end-to-end run (200k CSV invoice lines) that
// fails when the build's speed relative to deflate falls more than 15% below
// bench/baseline.json. The best of three runs counts, each ratio against a
// deflate reference timed right after it, so a busy machine rarely fails it.
// `node dist/bench/ci.js --update` rewrites the baseline.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, measure, ROOT } from './lib/e2e.js';

const ROWS = 200_000;
/**
 * Batches of 5 MB, so that the run writes several (about four) and most of
 * it goes through two batches at once, as a large build does: at the
 * default 50 MB, 200k rows fit one batch.
 */
const MAX_BATCH_BYTES = 5_000_000;
const RUNS = 3;
const TOLERANCE = 0.15;
const BASELINE = join(ROOT, 'bench', 'baseline.json');

const ratios: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const m = await measure('csv', ROWS, true, MAX_BATCH_BYTES);
  console.log(describe(m));
  ratios.push(m.ratio);
}
const best = Math.max(...ratios);

if (process.argv.includes('--update')) {
  await writeFile(BASELINE, JSON.stringify({ rows: ROWS, format: 'csv', maxBatchBytes: MAX_BATCH_BYTES, ratio: Number(best.toFixed(3)) }, null, 2) + '\n');
  console.log(`baseline set to ${best.toFixed(3)}x`);
} else {
  const baseline = JSON.parse(await readFile(BASELINE, 'utf8')) as { ratio: number };
  const floor = baseline.ratio * (1 - TOLERANCE);
  console.log(`best ratio ${best.toFixed(3)}x; baseline ${baseline.ratio}x; fails below ${floor.toFixed(3)}x`);
  if (best < floor) {
    console.error(`bench:ci: performance regression: ${best.toFixed(3)}x is more than ${TOLERANCE * 100}% below the baseline ${baseline.ratio}x`);
    process.exitCode = 1;
  }
}
