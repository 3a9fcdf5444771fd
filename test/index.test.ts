import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as sagesync from '../src/index.js';

describe('the library API', () => {
  it('exports what the README lists', () => {
    const listed = [
      'runBuild',
      'CsvEngine',
      'NdjsonEngine',
      'JsonArrayEngine',
      'ProtobufEngine',
      'ZipBatchWriter',
      'ZipBatchLanes',
      'encodeLines',
      'BatchJsonWriter',
      'ZipBatchThread',
      'getModel',
      'protoText',
      'loadMapping',
      'writeProtobufRecords',
    ] as const;
    for (const name of listed) assert.equal(typeof sagesync[name], 'function', name);
    assert.ok(Array.isArray(sagesync.ALL_MODELS) && sagesync.ALL_MODELS.length > 0);
  });
});
