// BatchSyncModel JSON documents (Create Batch Import): batch-0001.json, ...
// Each file is one document, {"isFullSync":..,"appEnrollmentId":..,
// "invoices":[...],...}, written as records arrive. Nothing is compressed,
// so the byte count is exact: a record goes into the open document only when
// the document, closed right after it, still fits --max-batch-bytes.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Model } from '../schema/index.js';
import { temporaryPath } from '../util/atomic.js';
import { PendingBatches } from './pending.js';
import { batchFileName, type BatchEntryInfo, type BatchInfo, type BatchLimits, type BatchSink, type EntryLayout } from './types.js';

export interface BatchJsonOptions extends BatchLimits {
  outDir: string;
  isFullSync: boolean;
  appEnrollmentId: string | null;
}

interface OpenDocument {
  index: number;
  finalPath: string;
  tmpPath: string;
  out: WriteStream;
  hash: ReturnType<typeof createHash>;
  bytes: number;
  records: number;
  entries: BatchEntryInfo[];
  /** The model whose array is open, if any. */
  open: BatchEntryInfo | undefined;
}

/** Closes an open array and the document. */
const ARRAY_END = '\n]';
const DOCUMENT_END = '}\n';

export class BatchJsonWriter implements BatchSink {
  private doc: OpenDocument | undefined;
  private model: Model | undefined;
  private readonly prefix: string;
  private readonly pending = new PendingBatches();
  private nextIndex = 1;

  constructor(private readonly options: BatchJsonOptions) {
    this.prefix = `{"isFullSync":${options.isFullSync},"appEnrollmentId":${JSON.stringify(options.appEnrollmentId)}`;
  }

  get currentBatch(): number {
    return this.nextIndex - 1;
  }

  /** Records arrive as JSONL lines (jsonlFormatter): one object and a newline. */
  beginModel(model: Model, layout: EntryLayout): void {
    if (layout.extension !== 'jsonl') throw new Error('BatchJsonWriter needs JSONL-formatted records');
    this.model = model;
  }

  private arrayStart(): string {
    return `,\n${JSON.stringify(this.model!.batchProperty)}:[`;
  }

  async write(lines: readonly string[]): Promise<number[]> {
    const tooLarge: number[] = [];
    const { maxBytes, maxRecords } = this.options;
    const emptyCost = Buffer.byteLength(this.prefix) + Buffer.byteLength(this.arrayStart()) + ARRAY_END.length + DOCUMENT_END.length;
    // Records for the open document, written in one go; `pending` counts their bytes.
    let text = '';
    let pending = 0;
    let i = 0;
    while (i < lines.length) {
      const doc = this.doc ?? this.openDocument();
      const record = lines[i].slice(0, -1);
      const bytes = Buffer.byteLength(record);
      // ",\n" before every record but the first of its array ("\n").
      const opening = doc.open ? 2 : Buffer.byteLength(this.arrayStart()) + 1;
      const closing = ARRAY_END.length + DOCUMENT_END.length;
      const full = maxRecords > 0 && doc.records >= maxRecords;
      if (full || doc.bytes + pending + opening + bytes + closing > maxBytes) {
        if (doc.records === 0 && !full) {
          // Not even an empty document holds it: reject it rather than roll over forever.
          if (emptyCost + 1 + bytes > maxBytes) {
            tooLarge.push(i++);
            continue;
          }
        }
        await this.append(doc, text);
        text = '';
        pending = 0;
        await this.closeDocument();
        continue;
      }
      if (!doc.open) {
        doc.open = { name: this.model!.batchProperty, model: this.model!.name, records: 0 };
        doc.entries.push(doc.open);
        text += this.arrayStart() + '\n';
      } else text += ',\n';
      text += record;
      pending += opening + bytes;
      doc.open.records++;
      doc.records++;
      i++;
    }
    if (this.doc && text) await this.append(this.doc, text);
    return tooLarge;
  }

  async endModel(): Promise<void> {
    if (this.doc?.open) {
      await this.append(this.doc, ARRAY_END);
      this.doc.open = undefined;
    }
    this.model = undefined;
  }

  async finish(): Promise<BatchInfo[]> {
    if (this.doc) await this.closeDocument();
    return this.pending.commit();
  }

  async abort(): Promise<void> {
    const doc = this.doc;
    this.doc = undefined;
    if (doc) {
      doc.out.destroy();
      if (!doc.out.closed) await once(doc.out, 'close').catch(() => undefined);
    }
    await this.pending.discard();
  }

  private openDocument(): OpenDocument {
    const index = this.nextIndex++;
    const finalPath = join(this.options.outDir, batchFileName(index, 'json'));
    const tmpPath = temporaryPath(finalPath);
    this.pending.track(tmpPath);
    const doc: OpenDocument = {
      index,
      finalPath,
      tmpPath,
      out: createWriteStream(tmpPath, { highWaterMark: 1 << 20 }),
      hash: createHash('sha256'),
      bytes: 0,
      records: 0,
      entries: [],
      open: undefined,
    };
    this.doc = doc;
    // A few bytes: the stream buffers them until the first awaited write.
    this.put(doc, this.prefix);
    return doc;
  }

  /** Counts, hashes and writes; false when the file wants a drain first. */
  private put(doc: OpenDocument, text: string): boolean {
    const buffer = Buffer.from(text);
    doc.bytes += buffer.length;
    doc.hash.update(buffer);
    return doc.out.write(buffer);
  }

  private async append(doc: OpenDocument, text: string): Promise<void> {
    if (text.length > 0 && !this.put(doc, text)) await once(doc.out, 'drain');
  }

  private async closeDocument(): Promise<void> {
    const doc = this.doc!;
    this.doc = undefined;
    if (doc.records === 0) {
      // Opened for records that all turned out too large: no document to keep.
      doc.out.destroy();
      if (!doc.out.closed) await once(doc.out, 'close').catch(() => undefined);
      await rm(doc.tmpPath, { force: true });
      this.pending.forget(doc.tmpPath);
      this.nextIndex--;
      return;
    }
    await this.append(doc, (doc.open ? ARRAY_END : '') + DOCUMENT_END);
    doc.out.end();
    await once(doc.out, 'close');
    if (doc.bytes > this.options.maxBytes) {
      throw new Error(`internal: ${doc.finalPath} is ${doc.bytes} bytes, over the ${this.options.maxBytes}-byte limit`);
    }
    this.pending.finish(doc.tmpPath, doc.finalPath, {
      file: batchFileName(doc.index, 'json'),
      bytes: doc.bytes,
      sha256: doc.hash.digest('hex'),
      records: doc.records,
      entries: doc.entries,
    });
  }
}
