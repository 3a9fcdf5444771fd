import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers.js';

const HEAP_MODULE = pathToFileURL(join(ROOT, 'dist/src/util/heap.js')).href;

/**
 * A heap like a build's: a small live set whose objects live long enough to
 * be promoted and then die in the old generation. Prints the full
 * collections it took and the largest committed heap, as JSON.
 */
const CHURN = `
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { getHeapStatistics } from 'node:v8';
if (process.argv.includes('bound')) (await import(${JSON.stringify(HEAP_MODULE)})).boundHeapGrowth();
let majors = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
}).observe({ entryTypes: ['gc'] });
const live = new Array(100_000);
let x = 1;
let peak = 0;
for (let round = 0; round < 60; round++) {
  for (let i = 0; i < 100_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    live[x % live.length] = { i, text: 'k' + i };
  }
  peak = Math.max(peak, getHeapStatistics().total_heap_size);
  await tick();
}
await tick();
console.log(JSON.stringify({ majors, peak }));
`;

function churn(nodeFlags: string[], bound: boolean): { majors: number; peak: number } {
  const out = execFileSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', CHURN, '--', ...(bound ? ['bound'] : [])], { encoding: 'utf8' });
  return JSON.parse(out) as { majors: number; peak: number };
}

describe('boundHeapGrowth', () => {
  it('takes effect in a running process: more full collections, a smaller heap', () => {
    const free = churn([], false);
    const bound = churn([], true);
    assert.ok(bound.majors > free.majors, `full collections: ${bound.majors} bound, ${free.majors} free`);
    assert.ok(bound.peak < free.peak, `largest heap: ${bound.peak} bound, ${free.peak} free`);
  });

  it("leaves node's own --heap-growing-percent in force", () => {
    const bound = churn([], true);
    const chosen = churn(['--heap-growing-percent=300'], true);
    assert.ok(chosen.majors < bound.majors, `full collections: ${chosen.majors} with the flag, ${bound.majors} bound`);
  });
});
