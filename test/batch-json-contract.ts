// Reads BatchSyncModel documents back and checks them against the contract.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ALL_MODELS, type Model } from '../src/schema/index.js';
import type { BatchInfo } from '../src/sinks/types.js';

const BATCH_PROPERTIES = new Map(ALL_MODELS.map((m) => [m.batchProperty, m]));

/**
 * Parses every batch file back and checks it against the BatchSyncModel
 * contract: isFullSync and appEnrollmentId, then only the schema's arrays,
 * parents first, each record holding only its model's fields. Returns the
 * records per model in file order.
 */
export async function readBatchJson(dir: string, batches: BatchInfo[], maxBytes: number, expect: { isFullSync: boolean; appEnrollmentId: string | null }) {
  const records = new Map<string, Record<string, unknown>[]>();
  for (const batch of batches) {
    const path = join(dir, batch.file);
    const text = await readFile(path, 'utf8');
    assert.ok((await stat(path)).size <= maxBytes, `${batch.file} is over the limit`);
    assert.equal(Buffer.byteLength(text), batch.bytes);
    const doc = JSON.parse(text) as Record<string, unknown>;
    const [first, second, ...arrays] = Object.keys(doc);
    assert.deepEqual([first, second], ['isFullSync', 'appEnrollmentId']);
    assert.equal(doc.isFullSync, expect.isFullSync);
    assert.equal(doc.appEnrollmentId, expect.appEnrollmentId);
    let lastOrder = -1;
    let total = 0;
    for (const property of arrays) {
      const model: Model | undefined = BATCH_PROPERTIES.get(property);
      assert.ok(model, `unknown BatchSyncModel property ${property}`);
      assert.ok(model.order > lastOrder, 'models appear parents first');
      lastOrder = model.order;
      const list = doc[property] as Record<string, unknown>[];
      assert.ok(Array.isArray(list) && list.length > 0);
      for (const record of list) {
        for (const key of Object.keys(record)) assert.ok(model.byName.has(key), `${model.name} has no field ${key}`);
      }
      total += list.length;
      records.set(model.name, [...(records.get(model.name) ?? []), ...list]);
    }
    assert.equal(total, batch.records);
  }
  return records;
}

