// Change detection across runs. The state maps a 64-bit hash of each
// record's model and identity to a 64-bit hash of its canonical output row.
// It lives in one KeyIndex with two value words (at most 22.5 bytes a key,
// sized up front from the file's entry count) and is streamed from and to
// disk in fixed-size chunks, so ten million keys never sit in a JS array or
// a single buffer.
//
// File layout: the 8-byte magic "SGSTATE1", then 16-byte entries (identity
// hash hi, lo, content hash hi, lo; 32-bit little-endian words). It is
// replaced atomically (temporary file, then rename) and only by a run that
// finished, so a run that crashes leaves the previous state as it was.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { KeyIndex } from '../integrity/key-index.js';
import { writeStreamAtomic } from '../util/atomic.js';

const MAGIC = Buffer.from('SGSTATE1', 'latin1');
const ENTRY_BYTES = 16;
const WRITE_CHUNK_ENTRIES = 65_536;

export class ChangeState {
  readonly table: KeyIndex;
  /** Entries read from the file: with none (a first run) no record can be unchanged, and lookups are skipped. */
  private loaded = 0;

  constructor(expectedKeys = 0) {
    this.table = new KeyIndex(2, expectedKeys);
  }

  /**
   * Reads a state file; a missing file is an empty state (the first run),
   * sized for `expectedKeys` when the inputs' size suggests it.
   */
  static async load(path: string, expectedKeys = 0): Promise<ChangeState> {
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new ChangeState(expectedKeys);
      throw error;
    }
    const state = new ChangeState(Math.max(0, (size - MAGIC.length) / ENTRY_BYTES));
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    let carry: Buffer = Buffer.alloc(0);
    let headerRead = false;
    const table = state.table;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let buf: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      if (!headerRead) {
        if (buf.length < MAGIC.length) {
          carry = buf;
          continue;
        }
        if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new DataError('STATE_INVALID', `${path} is not a sagesync state file`);
        buf = buf.subarray(MAGIC.length);
        headerRead = true;
      }
      const whole = buf.length - (buf.length % ENTRY_BYTES);
      for (let at = 0; at < whole; at += ENTRY_BYTES) {
        table.value[0] = buf.readUInt32LE(at + 8);
        table.value[1] = buf.readUInt32LE(at + 12);
        table.insert(buf.readUInt32LE(at), buf.readUInt32LE(at + 4));
      }
      carry = Buffer.from(buf.subarray(whole));
    }
    if (!headerRead || carry.length > 0) throw new DataError('STATE_INVALID', `${path} is truncated`);
    state.loaded = table.size;
    return state;
  }

  /** True when the identity was built before with this content. */
  isUnchanged(idHi: number, idLo: number, contentHi: number, contentLo: number): boolean {
    if (this.loaded === 0) return false;
    const table = this.table;
    return table.find(idHi, idLo) && table.value[0] === contentHi >>> 0 && table.value[1] === contentLo >>> 0;
  }

  /** Notes that the identity was built with this content. */
  record(idHi: number, idLo: number, contentHi: number, contentLo: number): void {
    this.table.value[0] = contentHi;
    this.table.value[1] = contentLo;
    this.table.insert(idHi, idLo);
  }

  /** Writes the state under a temporary name, then renames it over `path`. */
  async save(path: string): Promise<void> {
    await writeStreamAtomic(path, async (write) => {
      await write(MAGIC);
      let chunk = Buffer.alloc(WRITE_CHUNK_ENTRIES * ENTRY_BYTES);
      let used = 0;
      for (const entry of this.table.entries()) {
        for (let w = 0; w < 4; w++) chunk.writeUInt32LE(entry[w], used + w * 4);
        used += ENTRY_BYTES;
        if (used === chunk.length) {
          await write(chunk);
          chunk = Buffer.alloc(chunk.length);
          used = 0;
        }
      }
      await write(chunk.subarray(0, used));
    });
  }

}
