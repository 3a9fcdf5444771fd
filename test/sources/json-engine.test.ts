import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonArrayEngine, NdjsonEngine } from '../../src/sources/json-engine.js';
import { PATTERN_AFTER } from '../../src/sources/json-fields.js';
import { unmark } from '../helpers.js';
import { isNumberMark, numberText, toJsonText } from '../../src/sources/json-number.js';

function run(engine: NdjsonEngine | JsonArrayEngine, text: string, chunk = text.length) {
  for (let i = 0; i < text.length; i += chunk) engine.push(text.slice(i, i + chunk));
  engine.end();
  return engine.take();
}

describe('NdjsonEngine', () => {
  it('parses one object per line with its line number, skipping blank lines and CRLF', () => {
    const out = run(new NdjsonEngine({ maxRecordChars: 1000 }), '{"a":1}\r\n\r\n  \n{"a":2}\n{"a":3}');
    assert.deepEqual(unmark(out.objects), [{ a: 1 }, { a: 2 }, { a: 3 }]);
    assert.deepEqual(out.lines, [1, 4, 5]);
  });
  it('rejects garbage lines and non-objects, and goes on', () => {
    const out = run(new NdjsonEngine({ maxRecordChars: 1000 }), 'garbage\n[1]\n{"ok":true}\n{"cut":\n', 3);
    assert.deepEqual(unmark(out.objects), [{ ok: true }]);
    assert.deepEqual(out.problems.map((p) => [p.line, p.code]), [[1, 'MALFORMED'], [2, 'MALFORMED'], [4, 'MALFORMED']]);
  });
  it('keeps numbers a double cannot hold exactly', () => {
    const out = run(new NdjsonEngine({ maxRecordChars: 1000 }), '{"amount":12345678901234567.89,"x":"t","n":[1.50]}\n');
    const record = out.objects[0];
    assert.ok(isNumberMark(record.amount));
    assert.equal(numberText(record.amount as string), '12345678901234567.89');
    assert.equal(toJsonText(record.n), '[1.50]');
  });
});

describe('JSON engines reading field lists by a shape\'s pattern', () => {
  const spaced = (n: number) => `{ "a": ${n}, "b": "x" }`;
  const lead = Array.from({ length: PATTERN_AFTER + 1 }, (_, n) => `{"a":${n},"b":"x"}`).concat(spaced(-1), spaced(-2));

  it('NdjsonEngine: a record cut over two lines is two malformed lines, with the pattern allowing blanks', () => {
    const text = [...lead, '{"a":1,', '"b":"y"}', spaced(7), '{"a":2,"b":"z"} x', '{"a":3,"b":"w"}'].join('\n') + '\n';
    for (const chunk of [text.length, 4096, 7]) {
      const out = run(new NdjsonEngine({ maxRecordChars: 1000, fields: true }), text, chunk);
      const at = lead.length;
      assert.deepEqual(out.problems.map((p) => [p.line - at, p.code]), [[1, 'MALFORMED'], [2, 'MALFORMED'], [4, 'MALFORMED']]);
      assert.deepEqual(out.fields.slice(at), [['a', '7', 'b', 'x'], ['a', '3', 'b', 'w']]);
      assert.deepEqual(out.lines.slice(at), [at + 3, at + 5]);
      assert.equal(out.fields.length, at + 2);
    }
  });

  it('JsonArrayEngine: records over several lines, and an element past the cap, as the scan reads them', () => {
    const text = `[\n${lead.join(',\n')},\n{\n  "a": 5,\n  "b": "p"\n},{"a":6,"b":"${'q'.repeat(2000)}"},{"a":7,"b":[1]},{"a":8,"b":"r"}\n]\n`;
    for (const chunk of [text.length, 4096, 7]) {
      const out = run(new JsonArrayEngine({ maxRecordChars: 1000, fields: true }), text, chunk);
      const at = lead.length;
      assert.equal(out.fields.length, at + 3);
      assert.deepEqual(out.fields[at], ['a', '5', 'b', 'p']);
      assert.deepEqual(unmark(out.fields[at + 1]), ['a', 7, 'b', [1]], 'the nested element, by the general path');
      assert.deepEqual(out.fields[at + 2], ['a', '8', 'b', 'r']);
      assert.deepEqual(out.lines.slice(at), [at + 2, at + 5, at + 5]);
      assert.deepEqual(out.problems.map((p) => [p.line - at, p.code]), [[5, 'TOO_LARGE']]);
    }
  });
});

describe('JsonArrayEngine', () => {
  it('cuts elements out of an array and reports where each starts', () => {
    const text = '[\n  {"a": "x,]}"},\n  {"b": {"c": [1, 2]}\n  },\n{"d":"\\"quoted\\""}\n]\n';
    for (const chunk of [text.length, 1, 4]) {
      const engine = new JsonArrayEngine({ maxRecordChars: 1000 });
      const out = run(engine, text, chunk);
      assert.deepEqual(unmark(out.objects), [{ a: 'x,]}' }, { b: { c: [1, 2] } }, { d: '"quoted"' }]);
      assert.deepEqual(out.lines, [2, 3, 5]);
      assert.equal(engine.fatal, undefined);
    }
  });
  it('rejects scalar elements and reports a missing closing bracket as fatal', () => {
    const engine = new JsonArrayEngine({ maxRecordChars: 1000 });
    const out = run(engine, '[{"a":1}, 42, {"b":2}');
    assert.deepEqual(unmark(out.objects), [{ a: 1 }, { b: 2 }]);
    assert.equal(out.problems.length, 1);
    assert.match(engine.fatal ?? '', /not closed/);
  });
  it('says when the file holds no array', () => {
    const engine = new JsonArrayEngine({ maxRecordChars: 1000 });
    run(engine, '{"a":1}');
    assert.match(engine.fatal ?? '', /expected a JSON array/);
  });
});
