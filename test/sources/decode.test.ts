import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeText } from '../../src/sources/decode.js';

async function decodeChunks(chunks: Buffer[], encoding?: 'utf-8' | 'latin1'): Promise<string> {
  async function* source() {
    yield* chunks;
  }
  let text = '';
  for await (const part of decodeText(source(), 'in.csv', encoding)) text += part;
  return text;
}

/** `bytes` cut into pieces of `size` bytes. */
function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe('decodeText', () => {
  const sample = 'ä€🚀 plain\n'.repeat(5);

  it('decodes UTF-8 whatever the chunk boundaries', async () => {
    const bytes = Buffer.from(sample);
    for (const size of [1, 2, 3, 5, 7]) assert.equal(await decodeChunks(pieces(bytes, size)), sample);
  });

  it('decodes UTF-16LE and UTF-16BE behind a BOM, cut anywhere', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(sample, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(Buffer.from(sample, 'utf16le')).swap16()]);
    for (const size of [3, 5, 64]) {
      assert.equal(await decodeChunks(pieces(le, size)), sample);
      assert.equal(await decodeChunks(pieces(be, size)), sample);
    }
  });

  // Each case: bytes, and the offset of the first byte that cannot be decoded.
  const invalid: [string, Buffer, number][] = [
    ['a lone continuation byte', Buffer.from([0x61, 0x62, 0x80, 0x63]), 2],
    ['a Latin-1 é', Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x2c, 0x78]), 3],
    ['a lead byte followed by ASCII', Buffer.from([0x61, 0xe2, 0x82, 0x41, 0x42]), 1],
    ['an overlong encoding', Buffer.from([0x61, 0xe0, 0x80, 0xaf]), 1],
    ['a UTF-16 surrogate', Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]), 2],
    ['a code point past U+10FFFF', Buffer.from([0x61, 0xf4, 0x90, 0x80, 0x80]), 1],
  ];
  for (const [name, bytes, at] of invalid) {
    it(`stops at ${name} with its byte offset, whatever the chunk boundaries`, async () => {
      for (const size of [1, 2, 3, bytes.length]) {
        await assert.rejects(decodeChunks(pieces(bytes, size)), { code: 'ENCODING', message: `in.csv: invalid UTF-8 at byte ${at}; re-export as UTF-8 or pass --encoding latin1` }, `chunks of ${size}`);
      }
    });
  }

  it('drops a byte-order mark at the start only, after ASCII chunks too', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    assert.equal(await decodeChunks([bom, Buffer.from('id\n'), Buffer.from('1\n')]), 'id\n1\n');
    const text = await decodeChunks([Buffer.from('id\n'), Buffer.from('a,'), Buffer.concat([bom, Buffer.from('b\n')])]);
    assert.equal(text, 'id\na,\uFEFFb\n', 'U+FEFF inside the file is a character of the data');
  });

  it('stops when the file ends inside a character', async () => {
    await assert.rejects(decodeChunks([Buffer.from([0x61, 0x62]), Buffer.from([0xf0, 0x9f])]), /ends inside a multi-byte character \(byte 2\)/);
  });

  it('never yields U+FFFD for bytes it could not decode', async () => {
    const text = await decodeChunks([Buffer.from('ok \uFFFD kept\n')]);
    assert.equal(text, 'ok \uFFFD kept\n', 'a real U+FFFD in the input passes through');
    await assert.rejects(decodeChunks([Buffer.from([0x6f, 0x6b, 0xff])]));
  });

  it('decodes Latin-1 bytes when asked to', async () => {
    assert.equal(await decodeChunks([Buffer.from([0x43, 0x61, 0x66, 0xe9])], 'latin1'), 'Café');
  });

  it('refuses NUL bytes in UTF-8 and Latin-1, with their offset', async () => {
    await assert.rejects(decodeChunks([Buffer.from('ab'), Buffer.from('c\u0000')]), /NUL byte at byte 3/);
    await assert.rejects(decodeChunks([Buffer.from('ab\u0000')], 'latin1'), /NUL byte at byte 2/);
  });
});
