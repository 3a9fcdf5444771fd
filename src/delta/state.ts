// Change detection across runs. The state maps a 64-bit hash of each
// record's model and identity to a 64-bit hash of its canonical output row.
//
// During a run the same table is also the duplicate index and the set of
// identities read, so a key costs one 16-byte slot for all three:
//   * a key from the file holds its previous content hash, unmarked;
//   * the first record of an identity in this run compares its content with
//     that hash, then marks the slot and keeps its line position in it
//     (which a later duplicate cites); the old hash is not needed again;
//   * what the identity's entry in the next state will be (the new content
//     if the record reached a batch, else the old one, if any) goes to a
//     spill file beside the state file, 16 bytes a record, written in order.
// The next state is then every unmarked entry of the table followed by the
// spill file, streamed to disk; ten million keys never sit in a JS array or
// a single buffer.
//
// File layout: the 8-byte magic "SGSTATE1", then 16-byte entries (identity
// hash hi, lo, content hash hi, lo; 32-bit little-endian words). It is
// replaced atomically (temporary file, then rename) and only by a run that
// finished, so a run that crashes leaves the previous state as it was.
import { createReadStream, closeSync, openSync, writeSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import { KeyIndex } from '../integrity/key-index.js';
import { temporaryPath, writeStreamAtomic } from '../util/atomic.js';

const MAGIC = Buffer.from('SGSTATE1', 'latin1');
const ENTRY_BYTES = 16;
const CHUNK_ENTRIES = 65_536;

/** What the state knows of an identity when its first record of a run is read. */
export type Prior = 'new' | 'known' | 'seen';

export class ChangeState {
  readonly table: KeyIndex;
  /** After `lookup`: the previous content hash of a known identity, or the line position of a seen one. */
  readonly value: Uint32Array;
  private spillPath: string | undefined;
  private spillFd: number | undefined;
  private readonly spill = Buffer.alloc(CHUNK_ENTRIES * ENTRY_BYTES);
  private spillUsed = 0;

  /**
   * `previous` is the number of entries in the state file. Without any (a
   * first run) no slot ever holds a content hash, only a line position, so
   * the slots are 12 bytes instead of 16.
   */
  private constructor(
    expectedKeys: number,
    private readonly path: string,
    previous: number,
  ) {
    this.table = new KeyIndex(previous > 0 ? 2 : 1, expectedKeys, 'tight');
    this.value = this.table.value;
  }

  /**
   * Reads a state file; a missing file is an empty state (the first run).
   * The table is sized for the file's entries or `expectedKeys`, whichever
   * is more.
   */
  static async load(path: string, expectedKeys = 0): Promise<ChangeState> {
    await removeStaleTemporaries(path);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new ChangeState(expectedKeys, path, 0);
      throw error;
    }
    const previous = Math.max(0, (size - MAGIC.length) / ENTRY_BYTES);
    const state = new ChangeState(Math.max(expectedKeys, previous), path, previous);
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
    return state;
  }

  /**
   * What the state holds for an identity: `new`, `known` (its previous
   * content hash is then in `value`) or `seen` earlier in this run (its
   * line position is then in `value[0]`).
   */
  lookup(idHi: number, idLo: number): Prior {
    if (!this.table.find(idHi, idLo)) return 'new';
    return this.table.marked ? 'seen' : 'known';
  }

  /** Marks the identity last looked up as read in this run, at `position`. */
  claim(idHi: number, idLo: number, position: number): void {
    this.table.value.fill(0);
    this.table.value[0] = position;
    this.table.insert(idHi, idLo);
    this.table.mark();
  }

  /** True when a record of the identity was read in this run. */
  isSeen(idHi: number, idLo: number): boolean {
    return this.table.find(idHi, idLo) && this.table.marked;
  }

  /** Sets the entry a claimed identity will have in the next state. */
  keep(idHi: number, idLo: number, contentHi: number, contentLo: number): void {
    const at = this.spillUsed;
    this.spill.writeUInt32LE(idHi >>> 0, at);
    this.spill.writeUInt32LE(idLo >>> 0, at + 4);
    this.spill.writeUInt32LE(contentHi >>> 0, at + 8);
    this.spill.writeUInt32LE(contentLo >>> 0, at + 12);
    this.spillUsed += ENTRY_BYTES;
    if (this.spillUsed === this.spill.length) this.flushSpill();
  }

  private flushSpill(): void {
    if (this.spillUsed === 0) return;
    if (this.spillFd === undefined) {
      this.spillPath = temporaryPath(this.path);
      this.spillFd = openSync(this.spillPath, 'w');
    }
    writeSync(this.spillFd, this.spill, 0, this.spillUsed);
    this.spillUsed = 0;
  }

  /**
   * Writes the next state under a temporary name, then renames it over the
   * state file: the identities this run did not read, as they were, then
   * the entries kept for the ones it did.
   */
  async save(): Promise<void> {
    try {
      await this.writeNext();
    } finally {
      await this.discard();
    }
  }

  private async writeNext(): Promise<void> {
    await writeStreamAtomic(this.path, async (write) => {
      await write(MAGIC);
      let chunk = Buffer.alloc(CHUNK_ENTRIES * ENTRY_BYTES);
      let used = 0;
      for (const entry of this.table.entries('unmarked')) {
        for (let w = 0; w < 4; w++) chunk.writeUInt32LE(entry[w], used + w * 4);
        used += ENTRY_BYTES;
        if (used === chunk.length) {
          await write(chunk);
          chunk = Buffer.alloc(chunk.length);
          used = 0;
        }
      }
      await write(chunk.subarray(0, used));
      if (this.spillFd !== undefined) {
        this.flushSpill();
        closeSync(this.spillFd);
        this.spillFd = undefined;
        for await (const piece of createReadStream(this.spillPath!, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) await write(piece);
      }
      await write(this.spill.subarray(0, this.spillUsed));
    });
  }

  /** Removes the spill file; the state file is left as it was. */
  async discard(): Promise<void> {
    if (this.spillFd !== undefined) closeSync(this.spillFd);
    this.spillFd = undefined;
    if (this.spillPath !== undefined) await rm(this.spillPath, { force: true });
    this.spillPath = undefined;
  }
}

/** Temporary files of a run on this state file that was killed (util/atomic.ts names them). */
async function removeStaleTemporaries(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(prefix) && /^[0-9a-f]{8}\.partial$/.test(name.slice(prefix.length))) await rm(join(dirname(path), name), { force: true });
  }
}
