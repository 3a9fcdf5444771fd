// Child records split out of parent documents wait on disk until their
// model's turn: the sink writes one model at a time, parents first, so lines
// found while reading invoices can only be written after every invoice.
// Keeping them in memory would make memory grow with the file; a spill file
// per child model keeps it bounded. Each spilled record keeps its input,
// source line and key, so a later TOO_LARGE reject can still name the
// parent's file and line. Records are framed by their lengths
// ("input,line,keyLength,recordLength\n" + key + record) rather than JSON, so
// the formatted text is copied, never escaped and parsed again.

import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Model } from '../schema/index.js';
import { temporaryPath } from '../util/atomic.js';

export interface SpilledBatch {
  files: readonly string[];
  /** Index into `files` of each record's input. */
  inputs: number[];
  sourceLines: number[];
  keys: string[];
  /** Formatted records, as the sink takes them. */
  records: string[];
}

interface Spill {
  path: string;
  out: WriteStream;
}

/** Records read back per batch: about the size of a parsed input chunk. */
const READ_BACK_BYTES = 1 << 20;

export class ChildSpills {
  private readonly spills = new Map<Model, Spill>();
  private readonly files: string[] = [];

  constructor(private readonly dir: string) {}

  async add(model: Model, file: string, records: readonly string[], sourceLines: readonly number[], keys: readonly string[]): Promise<void> {
    if (records.length === 0) return;
    let spill = this.spills.get(model);
    if (!spill) {
      const path = temporaryPath(join(this.dir, `${model.entry}.spill.ndjson`));
      spill = { path, out: createWriteStream(path, { highWaterMark: 1 << 20 }) };
      this.spills.set(model, spill);
    }
    let input = this.files.lastIndexOf(file);
    if (input === -1) input = this.files.push(file) - 1;
    let text = '';
    for (let i = 0; i < records.length; i++) {
      text += `${input},${sourceLines[i]},${keys[i].length},${records[i].length}\n${keys[i]}${records[i]}`;
    }
    if (!spill.out.write(text)) await once(spill.out, 'drain');
  }

  /** The spilled records of a model in the order they were added, in batches; the spill file is removed after. */
  async *take(model: Model): AsyncGenerator<SpilledBatch> {
    const spill = this.spills.get(model);
    if (!spill) return;
    spill.out.end();
    await once(spill.out, 'close');
    let tail = '';
    let batch = this.emptyBatch();
    let bytes = 0;
    for await (const chunk of createReadStream(spill.path, { encoding: 'utf8', highWaterMark: READ_BACK_BYTES })) {
      // Lengths count UTF-16 units; the utf8 stream decoder never splits a character.
      const text = tail + (chunk as string);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        const frame = text.slice(start, nl).split(',');
        const keyEnd = nl + 1 + Number(frame[2]);
        const end = keyEnd + Number(frame[3]);
        if (end > text.length) break;
        batch.inputs.push(Number(frame[0]));
        batch.sourceLines.push(Number(frame[1]));
        batch.keys.push(text.slice(nl + 1, keyEnd));
        batch.records.push(text.slice(keyEnd, end));
        bytes += end - start;
        start = end;
        if (bytes >= READ_BACK_BYTES) {
          yield batch;
          batch = this.emptyBatch();
          bytes = 0;
        }
      }
      tail = text.slice(start);
    }
    if (batch.records.length > 0) yield batch;
    this.spills.delete(model);
    await rm(spill.path, { force: true });
  }

  /** Removes every spill file; safe to call at any point. */
  async discard(): Promise<void> {
    for (const spill of this.spills.values()) {
      spill.out.destroy();
      if (!spill.out.closed) await once(spill.out, 'close').catch(() => undefined);
      await rm(spill.path, { force: true });
    }
    this.spills.clear();
  }

  private emptyBatch(): SpilledBatch {
    return { files: this.files, inputs: [], sourceLines: [], keys: [], records: [] };
  }
}
