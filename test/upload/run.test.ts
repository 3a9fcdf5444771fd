import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smallerBatchBytes, totalsOf } from '../../src/upload/run.js';

describe('reading upload outcomes', () => {
  it('reads per-model counts from details of any shape, counting what is missing as zero', () => {
    const details = {
      Company: { insertCount: 2, updateCount: 1, skipCount: 3, errorCount: 0, errors: {} },
      Invoice: { insertCount: '7', errorCount: 1 },
      note: 'not a result',
    };
    assert.deepEqual(totalsOf(details), {
      Company: { insert: 2, update: 1, skip: 3, error: 0 },
      Invoice: { insert: 0, update: 0, skip: 0, error: 1 },
    });
    assert.deepEqual(totalsOf(null), {});
    assert.deepEqual(totalsOf('Success'), {});
  });

  it('suggests half the refused batch size, never under the 1KiB that build accepts', () => {
    assert.equal(smallerBatchBytes(50_000_000), '25MB');
    assert.equal(smallerBatchBytes(100_000), '48KiB');
    assert.equal(smallerBatchBytes(900), '1KiB');
  });
});
