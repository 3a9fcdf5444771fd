// A single-line input far larger than memory should allow (1 GB by
// default): one record holding a huge string, followed by a normal one. The
// build must reject the huge record as TOO_LARGE, keep the normal one, and
// stay within bounded memory. Prints peak RSS.
//
//   npm run build && node dist/bench/hostile-oversize.js [bytes] [json|ndjson|csv]

import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_RECORD_BYTES, runBuild } from '../src/pipeline/build.js';
import { boundHeapGrowth } from '../src/util/heap.js';
import { parseByteSize } from '../src/util/size.js';

const bytes = parseByteSize(process.argv[2] ?? '1GiB', 'size');
if (bytes <= DEFAULT_MAX_RECORD_BYTES) throw new Error(`the size must exceed --max-record-bytes (${DEFAULT_MAX_RECORD_BYTES}) for the record to be rejected`);
const format = (process.argv[3] ?? 'json') as 'json' | 'ndjson' | 'csv';

/** Text before and after the huge string, per format. */
const FRAME = {
  json: ['[{"erpKey":"HUGE","companyType":"Company","isActive":true,"companyName":"', `"},${JSON.stringify({ erpKey: 'SMALL', companyName: 'kept', companyType: 'Company', isActive: true })}]`],
  ndjson: ['{"erpKey":"HUGE","companyType":"Company","isActive":true,"companyName":"', `"}\n${JSON.stringify({ erpKey: 'SMALL', companyName: 'kept', companyType: 'Company', isActive: true })}\n`],
  csv: ['erpKey,companyType,isActive,companyName\nHUGE,Company,true,', '\nSMALL,Company,true,kept\n'],
}[format];

/** Streams the file to disk in 1 MiB pieces, so the generator itself stays small. */
async function writeHugeInput(path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(FRAME[0]);
  const piece = 'x'.repeat(1 << 20);
  for (let written = 0; written < bytes; written += piece.length) await write(piece);
  await write(FRAME[1]);
  out.end();
  await once(out, 'close');
}

const dir = await mkdtemp(join(tmpdir(), 'sagesync-oversize-'));
try {
  const input = join(dir, `companies.${format}`);
  await writeHugeInput(input);
  boundHeapGrowth(); // as `sagesync build` runs
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const result = await runBuild({ inputs: [input], outDir: join(dir, 'out'), maxBatchBytes: 50_000_000 });
  const seconds = (performance.now() - started) / 1000;
  assert.equal(result.counts.read, 2);
  assert.equal(result.counts.written, 1);
  assert.equal(result.counts.rejected, 1);
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${format}, one line of ${(bytes / 2 ** 20).toFixed(0)} MiB: read 2 = written 1 + rejected 1 (TOO_LARGE) in ${seconds.toFixed(1)} s; ` +
      `peak RSS ${peakMiB.toFixed(0)} MiB (RSS before the build ${(rssBefore / 2 ** 20).toFixed(0)} MiB)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
