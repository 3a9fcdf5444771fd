// Length-delimited protobuf files of one SyncModel message type (.pb,
// .binpb): record batches for the build, and a writer for such files.

import protobuf from 'protobufjs';
import type { Model } from '../schema/index.js';
import { protoType } from '../schema/proto.js';
import { writeStreamAtomic } from '../util/atomic.js';
import { ProtobufEngine } from './protobuf-engine.js';
import type { JsonRecord, SourceBatch } from './types.js';

/** Decodes one message of a model into a plain record holding only the fields present. */
export function protobufDecoder(model: Model): (bytes: Uint8Array) => JsonRecord {
  const type = protoType(model);
  return (bytes) => type.toObject(type.decode(bytes), { defaults: false }) as JsonRecord;
}

/** Protobuf bytes to record batches, one batch per input chunk. */
export async function* protobufBatches(bytes: AsyncIterable<Buffer>, model: Model, options: { maxRecordBytes: number }): AsyncGenerator<SourceBatch> {
  const engine = new ProtobufEngine({ maxRecordBytes: options.maxRecordBytes, decode: protobufDecoder(model) });
  const emit = (): SourceBatch | undefined => {
    const { objects, lines, problems } = engine.take();
    return objects.length === 0 && problems.length === 0 ? undefined : { kind: 'objects', objects, lines, problems };
  };
  for await (const chunk of bytes) {
    engine.push(chunk);
    const batch = emit();
    if (batch) yield batch;
  }
  engine.end();
  const batch = emit();
  if (batch) yield batch;
}

/** Field names present in any message, for the plan (a CSV entry's header is written first). */
export async function scanProtobufKeys(bytes: AsyncIterable<Buffer>, model: Model, options: { maxRecordBytes: number }): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const batch of protobufBatches(bytes, model, options)) {
    if (batch.kind === 'objects') for (const record of batch.objects) for (const key in record) keys.add(key);
  }
  return keys;
}

/**
 * Writes records of a model as a length-delimited protobuf file (atomic:
 * temporary name, then rename). Values are in contract form: decimals and
 * dates as strings, booleans, integers. A Uint8Array is written as a message
 * body as it is (how test data carries a message that does not decode).
 * Resolves with the message count.
 */
export async function writeProtobufRecords(
  path: string,
  model: Model,
  records: Iterable<JsonRecord | Uint8Array> | AsyncIterable<JsonRecord | Uint8Array>,
): Promise<number> {
  const type = protoType(model);
  let count = 0;
  await writeStreamAtomic(path, async (write) => {
    for await (const record of records) {
      if (record instanceof Uint8Array) {
        await write(protobuf.Writer.create().bytes(record).finish());
      } else {
        const problem = type.verify(record);
        if (problem) throw new Error(`${model.name} record ${count + 1}: ${problem}`);
        await write(type.encodeDelimited(type.fromObject(record)).finish());
      }
      count++;
    }
  });
  return count;
}
