import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { nativeBuf, useNativeCrc32 } from '../../src/sinks/zip-crc.js';

type Crc32Package = { buf(data: Uint8Array, seed?: unknown): number };
/** The part of crc32-stream (untyped) used here: archiver's deflating, summing stream. */
type DeflateCrc32Stream = import('node:zlib').DeflateRaw & { digest(): Buffer; size(): number };

const requireHere = createRequire(import.meta.url);
const crc32Package = requireHere('crc-32') as Crc32Package;
// The package's own JavaScript sums, kept before anything replaces them: the reference here.
const javascriptBuf = crc32Package.buf;

function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed + 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

describe('native CRC-32 for archiver', () => {
  it('gives the sums the crc-32 package gives, piece by piece and from every kind of seed', () => {
    for (const length of [0, 1, 3, 64, 1000, 65_537]) {
      const data = pseudoRandomBytes(length, length);
      assert.equal(nativeBuf(data), javascriptBuf(data), `length ${length}, no seed`);
      // crc32-stream's first call passes its zeroed checksum Buffer as the seed.
      assert.equal(nativeBuf(data, Buffer.alloc(4)), javascriptBuf(data, Buffer.alloc(4)), `length ${length}, Buffer seed`);
      if (length === 0) continue;
      let native: unknown = Buffer.alloc(4);
      let javascript: unknown = Buffer.alloc(4);
      for (let from = 0; from < length; from += 777) {
        const piece = data.subarray(from, from + 777);
        // As crc32-stream keeps it: the sum so far, unsigned.
        native = nativeBuf(piece, native) >>> 0;
        javascript = javascriptBuf(piece, javascript) >>> 0;
      }
      assert.equal(native, javascript, `length ${length}, in pieces`);
      assert.equal(native, crc32(data), `length ${length}, in pieces, against the whole`);
    }
    // zlib's flush requests pass through as empty buffers over an empty ArrayBuffer.
    const overNothing = Buffer.from(new ArrayBuffer(0));
    for (const seed of [12345, 4294967295, -1]) assert.equal(nativeBuf(overNothing, seed), javascriptBuf(overNothing, seed), `nothing, seed ${seed}`);
    // Seeds with the top bit set, signed as the package returns sums or unsigned as crc32-stream keeps them.
    const data = pseudoRandomBytes(20, 8);
    for (const seed of [-123_456_789, 2 ** 31 + 5]) assert.equal(nativeBuf(data, seed), javascriptBuf(data, seed), `seed ${seed}`);
  });

  it("reaches the copy of the package that archiver's streams call, which then write native sums", async () => {
    assert.equal(useNativeCrc32(), true, 'Node 20.15 or later has zlib.crc32');
    for (const user of ['crc32-stream', 'compress-commons']) {
      const theirs = createRequire(import.meta.resolve(user))('crc-32') as Crc32Package;
      assert.equal(theirs.buf, nativeBuf, `${user} resolves the patched package`);
    }
    const data = pseudoRandomBytes(300_000, 3);
    const { DeflateCRC32Stream } = (await import('crc32-stream' as string)) as { DeflateCRC32Stream: new (options: object) => DeflateCrc32Stream };
    const stream = new DeflateCRC32Stream({ level: 6 });
    stream.resume();
    for (let from = 0; from < data.length; from += 65_536) stream.write(data.subarray(from, from + 65_536));
    stream.end();
    await once(stream, 'end');
    assert.equal(stream.digest().readUInt32BE(0), crc32(data));
    assert.equal(stream.size(), data.length);
  });
});
