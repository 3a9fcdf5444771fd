// Compression: what the ZIP sink pays per byte. Deflate level 6 fed in
// row-sized, 64 KiB and 1 MiB writes (zlib streams run in the libuv
// threadpool), against deflateRawSync on one core; zlib's default memLevel 8
// against the sink's 9, and 1 MiB output buffers against the sink's
// DEFLATE_CHUNK; and archiver's CRC-32 package (crc-32, JavaScript) against
// zlib's native crc32, which the sink puts in its place (zip-crc.ts).
import { once } from 'node:events';
import { createDeflateRaw, crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import CRC32 from 'crc-32';
import { DEFLATE_CHUNK } from '../src/sinks/zip-batches.js';
import { check, generatedText, newBench, runAndReport } from './lib/micro.js';

const ROWS = 40_000;
const bytes = Buffer.from(generatedText('InvoiceLine', 'csv', ROWS).text);

async function streamed(pieceBytes: number, memLevel = 8, chunkSize = 1 << 20): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 6, memLevel, chunkSize });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  for (let i = 0; i < bytes.length; i += pieceBytes) {
    if (!deflate.write(bytes.subarray(i, i + pieceBytes))) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  return Buffer.concat(out);
}

const rowBytes = Math.round(bytes.length / ROWS);
check(inflateRawSync(deflateRawSync(bytes, { level: 6 })).equals(bytes), 'deflateRawSync round-trips');
for (const piece of [rowBytes, 64 << 10, 1 << 20]) check(inflateRawSync(await streamed(piece)).equals(bytes), `streamed ${piece} round-trips`);
check(inflateRawSync(await streamed(1 << 20, 9, DEFLATE_CHUNK)).equals(bytes), "streamed as the sink's zlib round-trips");
check(
  deflateRawSync(bytes, { level: 6, memLevel: 9 }).length <= deflateRawSync(bytes, { level: 6 }).length * 1.001,
  'memLevel 9 compresses as well as the default',
);
check((CRC32.buf(bytes) >>> 0) === crc32(bytes), 'both CRC-32s agree');

await runAndReport(
  'deflate level 6 of InvoiceLine CSV',
  newBench()
    .add('deflateRawSync, one core', () => deflateRawSync(bytes, { level: 6 }))
    .add('deflateRawSync, one core, memLevel 9', () => deflateRawSync(bytes, { level: 6, memLevel: 9 }))
    .add('deflateRawSync level 1', () => deflateRawSync(bytes, { level: 1 }))
    .add(`stream, ${rowBytes} B writes (one row each)`, () => streamed(rowBytes))
    .add('stream, 64 KiB writes', () => streamed(64 << 10))
    .add('stream, 1 MiB writes', () => streamed(1 << 20))
    .add('stream, 1 MiB writes, memLevel 9', () => streamed(1 << 20, 9))
    .add(`stream, 1 MiB writes, memLevel 9, ${DEFLATE_CHUNK >> 10} KiB output buffers (the ZIP sink's zlib settings)`, () => streamed(1 << 20, 9, DEFLATE_CHUNK)),
  ROWS,
  bytes.length,
);
await runAndReport(
  'CRC-32 of the same bytes',
  newBench().add("crc-32 (JavaScript, archiver's own)", () => CRC32.buf(bytes)).add('zlib.crc32 (native, as the ZIP sink runs it)', () => crc32(bytes)),
  ROWS,
  bytes.length,
);
