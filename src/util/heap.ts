// How far V8 lets a heap grow past what survived its last full collection.
//
// A build's heap holds little that lives long: records pass through in
// batches, and the key indexes are typed arrays outside it. V8 still picks
// the growth from its measured collection and allocation speeds, up to four
// times the survivors, and before those speeds settle it can pick the top.
// In a 10M-row build traced with --trace-gc, the main thread's old
// generation then filled with 30 MB of dead batches over nine seconds before
// its next full collection, and the build peaked at 193 MiB, against 164 and
// 177 MiB for two builds without that phase. A 1M-row build is over before
// the phase would end, so a 10M peak came out up to 1.3x a 1M one. A fixed
// growth keeps the old generation within half again of what survives:
// eleven 10M builds then peaked at 155-176 MiB, with at most 55 MB of heap
// committed in the seven sampled. Full collections of a heap this small
// take a few milliseconds, so collecting a few times as often does not show
// in a build's time.
import { setFlagsFromString } from 'node:v8';

const HEAP_GROWING_PERCENT = 50;

/**
 * Fixes V8's heap growth for the rest of the process (every thread), unless
 * node was started with its own --heap-growing-percent. For processes that
 * run builds: the setting is process-wide, so the library leaves it to them.
 */
export function boundHeapGrowth(): void {
  if (process.execArgv.some((arg) => arg.startsWith('--heap-growing-percent') || arg.startsWith('--heap_growing_percent'))) return;
  // V8 reads this flag at every full collection, so setting it while running takes effect.
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
