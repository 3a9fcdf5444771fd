import { isAscii } from 'node:buffer';
import { DataError } from '../errors.js';

/**
 * Bytes to text for one input file. UTF-8 is the default and is decoded
 * strictly: an invalid byte stops the file with its offset instead of being
 * replaced with U+FFFD. A UTF-16 byte-order mark switches to UTF-16; a UTF-8
 * BOM is dropped. NUL bytes and ZIP signatures (an .xlsx named .csv) are
 * file-level errors because no text format produces them.
 */
export async function* decodeText(
  chunks: AsyncIterable<Buffer>,
  file: string,
  encoding: 'utf-8' | 'latin1' = 'utf-8',
): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  let offset = 0;
  // The bytes of a character cut by the previous chunk's end: the decoder
  // holds them, so an error in the next chunk may start there.
  let carried: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    if (!decoder) {
      decoder = chooseDecoder(chunk, file, encoding);
    }
    if (!decoder.encoding.startsWith('utf-16') && chunk.indexOf(0) !== -1) {
      throw new DataError('ENCODING', `${file}: NUL byte at byte ${offset + chunk.indexOf(0)}; this is not a text file`);
    }
    let text: string;
    // A chunk of ASCII with no character pending from the last one is its own
    // text: copying it as Latin-1 is about a third faster than the strict
    // decoder. The first chunk always goes through the decoder, which must
    // see the start of the file to drop a byte-order mark there and nowhere else.
    if (offset > 0 && carried.length === 0 && decoder.encoding === 'utf-8' && isAscii(chunk)) {
      offset += chunk.length;
      if (chunk.length > 0) yield chunk.toString('latin1');
      continue;
    }
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      const at = offset - carried.length + firstInvalidUtf8(Buffer.concat([carried, chunk]));
      throw new DataError('ENCODING', `${file}: invalid UTF-8 at byte ${at}; re-export as UTF-8 or pass --encoding latin1`);
    }
    offset += chunk.length;
    if (decoder.encoding === 'utf-8') {
      const end = Buffer.concat([carried, chunk.subarray(Math.max(0, chunk.length - 3))]);
      carried = end.subarray(end.length - incompleteTail(end));
    }
    if (text.length > 0) yield text;
  }
  if (decoder) {
    try {
      const rest = decoder.decode();
      if (rest.length > 0) yield rest;
    } catch {
      throw new DataError('ENCODING', `${file}: the file ends inside a multi-byte character (byte ${offset - carried.length})`);
    }
  }
}

/** How many bytes at the end of `bytes` begin a UTF-8 character that continues past it. */
function incompleteTail(bytes: Buffer): number {
  for (let k = 1; k <= 3 && k <= bytes.length; k++) {
    const b = bytes[bytes.length - k];
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

function chooseDecoder(first: Buffer, file: string, encoding: 'utf-8' | 'latin1'): TextDecoder {
  if (first[0] === 0x50 && first[1] === 0x4b && first[2] === 0x03 && first[3] === 0x04) {
    throw new DataError('NOT_TEXT', `${file}: this is a ZIP archive (perhaps an .xlsx workbook), not a text export`);
  }
  if (first[0] === 0xff && first[1] === 0xfe) return new TextDecoder('utf-16le', { fatal: true });
  if (first[0] === 0xfe && first[1] === 0xff) return new TextDecoder('utf-16be', { fatal: true });
  if (encoding === 'latin1') return new TextDecoder('latin1');
  return new TextDecoder('utf-8', { fatal: true });
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (need < 0) return i;
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are
    // refused by the decoder through a narrower range for the second byte.
    const second = bytes[i + 1];
    if (
      (b === 0xe0 && second < 0xa0) ||
      (b === 0xed && second > 0x9f) ||
      (b === 0xf0 && second < 0x90) ||
      (b === 0xf4 && second > 0x8f)
    ) {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return i;
      if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return i;
}
