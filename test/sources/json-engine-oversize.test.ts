// Oversized JSON records fed in small chunks, as from a large file: the
// engines reject them once and read on (issue #7, oversized records).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonArrayEngine, NdjsonEngine } from '../../src/sources/json-engine.js';
import { unmark } from '../helpers.js';

function feed(engine: NdjsonEngine | JsonArrayEngine, parts: string[], chunk: number) {
  for (const part of parts) for (let i = 0; i < part.length; i += chunk) engine.push(part.slice(i, i + chunk));
  engine.end();
  return engine.take();
}

const big = (n: number) => JSON.stringify({ name: 'y'.repeat(n), nested: [{ s: '}]"' }] });

describe('oversized JSON records in small chunks', () => {
  for (const chunk of [7, 100, 4096]) {
    it(`rejects an oversized array element and keeps the next one (chunks of ${chunk})`, () => {
      const engine = new JsonArrayEngine({ maxRecordChars: 500 });
      const out = feed(engine, ['[{"a":1},\n', big(5000), ',\n{"a":2}]'], chunk);
      assert.equal(engine.fatal, undefined);
      assert.deepEqual(unmark(out.objects), [{ a: 1 }, { a: 2 }]);
      assert.deepEqual(out.lines, [1, 3]);
      assert.deepEqual(out.problems.map((p) => [p.line, p.code]), [[2, 'TOO_LARGE']]);
    });

    it(`rejects an oversized NDJSON line and keeps the next one (chunks of ${chunk})`, () => {
      const out = feed(new NdjsonEngine({ maxRecordChars: 500 }), ['{"a":1}\n', big(5000), '\n{"a":2}\n'], chunk);
      assert.deepEqual(unmark(out.objects), [{ a: 1 }, { a: 2 }]);
      assert.deepEqual(out.problems.map((p) => [p.line, p.code]), [[2, 'TOO_LARGE']]);
    });
  }

  it('stops on a scalar element that never ends, after one TOO_LARGE reject', () => {
    const engine = new JsonArrayEngine({ maxRecordChars: 500 });
    const out = feed(engine, ['["', 'z'.repeat(5000)], 64);
    assert.match(engine.fatal ?? '', /larger than --max-record-bytes/);
    assert.deepEqual(out.problems.map((p) => p.code), ['TOO_LARGE']);
  });

  it('counts an oversized element cut off by the end of the file once', () => {
    const engine = new JsonArrayEngine({ maxRecordChars: 500 });
    const out = feed(engine, ['[{"a":1},', big(5000).slice(0, 3000)], 64);
    assert.match(engine.fatal ?? '', /not closed/);
    assert.deepEqual(out.problems.map((p) => p.code), ['TOO_LARGE']);
  });

  it('keeps "," and "]" inside a scalar string element within that element', () => {
    const out = feed(new JsonArrayEngine({ maxRecordChars: 500 }), ['["a, ] \\" b", {"a":1}]'], 3);
    assert.deepEqual(unmark(out.objects), [{ a: 1 }]);
    assert.deepEqual(out.problems.map((p) => p.value), ['"a, ] \\" b"']);
  });
});

describe('oversized flat records read as field lists', () => {
  it('rejects an array element over the cap and keeps the ones around it', () => {
    for (const chunk of [7, 4096]) {
      const out = feed(new JsonArrayEngine({ maxRecordChars: 20, fields: true }), [`[{"a":1},{"name":"${'y'.repeat(50)}"},{"b":2}]`], chunk);
      assert.deepEqual(out.fields, [['a', '1'], ['b', '2']], `chunks of ${chunk}`);
      assert.deepEqual(out.problems.map((p) => [p.line, p.code]), [[1, 'TOO_LARGE']]);
    }
  });
});

describe('U+0000 in JSON strings', () => {
  it('rejects a record holding a \\u0000 escape, which could pass for an exact-number marker', () => {
    const out = feed(new NdjsonEngine({ maxRecordChars: 500 }), ['{"name":"\\u0000#123"}\n{"name":"ok"}\n'], 5);
    assert.deepEqual(unmark(out.objects), [{ name: 'ok' }]);
    assert.deepEqual(out.problems.map((p) => [p.line, p.code, p.reason]), [[1, 'MALFORMED', 'a JSON string holds U+0000 (\\u0000)']]);
  });

  it('keeps an escaped backslash followed by the letters u0000 as text', () => {
    const out = feed(new NdjsonEngine({ maxRecordChars: 500 }), ['{"name":"C:\\\\u0000"}\n'], 5);
    assert.deepEqual(unmark(out.objects), [{ name: 'C:\\u0000' }]);
  });

  it('rejects it in keys and values when records are read as field lists too', () => {
    const input = ['{"name":"\\u0000#123"}\n{"\\u0000":"x"}\n{"name":"C:\\\\u0000"}\n{"name":"ok"}\n'];
    const out = feed(new NdjsonEngine({ maxRecordChars: 500, fields: true }), input, 5);
    assert.deepEqual(out.fields, [['name', 'C:\\u0000'], ['name', 'ok']]);
    assert.deepEqual(out.problems.map((p) => [p.line, p.code]), [[1, 'MALFORMED'], [2, 'MALFORMED']]);
  });
});
