// One build in a process of its own, so its peak RSS is the build's alone.
// Prints one JSON line: seconds, peak RSS, CPU time, counts and batch records.
import { runBuild } from '../src/pipeline/build.js';
import { boundHeapGrowth } from '../src/util/heap.js';

// build-child.js INPUT OUT [--no-checks] [--max-batch-bytes N]
const [input, outDir, ...flags] = process.argv.slice(2);
const checksOff = flags.includes('--no-checks') ? ({ duplicates: 'off', orphans: 'off' } as const) : {};
const bytesFlag = flags.indexOf('--max-batch-bytes');
const maxBatchBytes = bytesFlag >= 0 ? Number(flags[bytesFlag + 1]) : 50_000_000;
boundHeapGrowth(); // as `sagesync build` runs
const started = performance.now();
const result = await runBuild({ inputs: [input], outDir, maxBatchBytes, ...checksOff });
const seconds = (performance.now() - started) / 1000;
const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    seconds,
    // resourceUsage().maxRSS is in KiB; CPU times are in microseconds, over every thread of the process.
    peakRssBytes: usage.maxRSS * 1024,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    counts: result.counts,
    batchRecords: result.batches.reduce((sum, b) => sum + b.records, 0),
    batchBytes: result.batches.reduce((sum, b) => sum + b.bytes, 0),
  }),
);
