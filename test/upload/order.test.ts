import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, retryAfterMs } from '../../src/upload/backoff.js';
import { batchDependencies } from '../../src/upload/order.js';

const batch = (...models: string[]) => ({ entries: models.map((model) => ({ name: `${model.toLowerCase()}.csv`, model, records: 1 })) });

describe('batch order', () => {
  it('makes a batch wait for earlier batches holding parents of its records', () => {
    const deps = batchDependencies([batch('Company'), batch('Contact'), batch('Invoice'), batch('FinancialAccount'), batch('CustomField')]);
    // Invoice points at companies only; CustomField at any model its tableKey names.
    assert.deepEqual(deps, [[], [0], [0], [], [0, 1, 2]]);
  });

  it('makes a batch wait for an earlier batch of its own model, whose records may point at each other', () => {
    assert.deepEqual(batchDependencies([batch('Company'), batch('Company')]), [[], [0]]);
  });
});

describe('backoff', () => {
  it('doubles up to the cap with jitter in the upper half', () => {
    assert.equal(backoffDelay(0, 100, 1000, () => 0), 50);
    assert.equal(backoffDelay(3, 100, 1000, () => 1), 800);
    assert.equal(backoffDelay(10, 100, 1000, () => 1), 1000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(retryAfterMs(undefined), undefined);
    assert.equal(retryAfterMs('soon'), undefined);
  });
});
