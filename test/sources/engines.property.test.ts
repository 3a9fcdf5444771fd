// Properties of the parse engines on arbitrary text (issue #7): no crash and
// no hang on any input, the same records whatever the chunk boundaries, and
// every field written by an RFC 4180 writer read back exactly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Field } from '../../src/schema/index.js';
import { csvFormatter } from '../../src/sinks/format.js';
import { CsvEngine } from '../../src/sources/csv-engine.js';
import { JsonArrayEngine, NdjsonEngine } from '../../src/sources/json-engine.js';
import { isNumberMark, numberText, toJsonText } from '../../src/sources/json-number.js';
import { FUZZ_RUNS } from '../helpers.js';

type Engine = { push(text: string): void; end(): void; take(): unknown };

/** Text cut at the given (sorted, deduplicated) offsets. */
function cut(text: string, offsets: number[]): string[] {
  const at = [...new Set(offsets.map((o) => o % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let from = 0;
  for (const o of at) {
    parts.push(text.slice(from, o));
    from = o;
  }
  parts.push(text.slice(from));
  return parts;
}

function run(engine: Engine, parts: string[]): unknown {
  for (const part of parts) engine.push(part);
  engine.end();
  return engine.take();
}

/** Text heavy in the characters that drive the engines' state. */
const structural = fc
  .array(fc.oneof(fc.constantFrom('"', ',', ';', '\n', '\r\n', '\r', '{', '}', '[', ']', ':', '\\', ' ', 'a', '1', '""', '{"a":1}', '"x"'), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 60 })
  .map((p) => p.join(''));
const offsets = fc.array(fc.nat(), { maxLength: 8 });

/** Records most of which the field scanner reads, with the odd defect, as NDJSON lines or a JSON array. */
function flatRecords(array: boolean): fc.Arbitrary<string> {
  const value = fc.constantFrom('1', '-2.50', '1e3', '01', '"s"', '"a\\"b"', '"\\u0000"', '"tab\there"', '"\\u00e9"', 'true', 'null', '{"n":1}', '[1]', 'tru');
  const key = fc.constantFrom('a', 'b', 'erpKey', 'k\\u0041', '__proto__', '0');
  const blank = fc.constantFrom('', '', ' ', '\n', '\t', '\r\n');
  const record = fc
    .array(fc.tuple(key, blank, value), { maxLength: 4 })
    .map((members) => `{${members.map(([k, b, v]) => `"${k}"${b}:${b}${v}`).join(',')}}`);
  return fc.array(record, { maxLength: 6 }).map((records) => (array ? `[${records.join(',\n')}]` : records.join('\n') + '\n'));
}

const engines: [string, () => Engine & { fatal?: string }][] = [
  ['CsvEngine', () => Object.assign(new CsvEngine({ delimiter: ',', maxRecordChars: 1 << 20 }), { expectedFields: 2 })],
  ['CsvEngine (verbatim)', () => Object.assign(new CsvEngine({ delimiter: ',', maxRecordChars: 1 << 20, keepVerbatim: true }), { expectedFields: 2 })],
  ['NdjsonEngine', () => new NdjsonEngine({ maxRecordChars: 1 << 20 })],
  ['JsonArrayEngine', () => new JsonArrayEngine({ maxRecordChars: 1 << 20 })],
  ['NdjsonEngine (field lists)', () => new NdjsonEngine({ maxRecordChars: 1 << 20, fields: true })],
  ['JsonArrayEngine (field lists)', () => new JsonArrayEngine({ maxRecordChars: 1 << 20, fields: true })],
];

describe('parse engines on arbitrary text (property)', () => {
  for (const [name, make] of engines) {
    it(`${name} gives the same records and problems whatever the chunk boundaries`, () => {
      fc.assert(
        fc.property(fc.oneof(structural, fc.string({ unit: 'binary' })), offsets, (text, at) => {
          const whole = make();
          const chunked = make();
          assert.deepEqual(run(chunked, cut(text, at)), run(whole, [text]));
          assert.equal(chunked.fatal, whole.fatal);
        }),
        { numRuns: FUZZ_RUNS * 10 },
      );
    });
  }

  const capped: [string, () => Engine & { fatal?: string }][] = [
    ['CsvEngine', () => Object.assign(new CsvEngine({ delimiter: ',', maxRecordChars: 10 }), { expectedFields: 2 })],
    ['NdjsonEngine', () => new NdjsonEngine({ maxRecordChars: 10 })],
    ['JsonArrayEngine', () => new JsonArrayEngine({ maxRecordChars: 10 })],
    ['NdjsonEngine (field lists)', () => new NdjsonEngine({ maxRecordChars: 10, fields: true })],
    ['JsonArrayEngine (field lists)', () => new JsonArrayEngine({ maxRecordChars: 10, fields: true })],
  ];
  const longish = fc
    .array(fc.constantFrom('"', ',', '\n', '\r\n', '{', '}', '[', ']', ':', ' ', 'a', '""', '{"a":1}', '"x"', 'xxxxxxxxxxxx'), { maxLength: 40 })
    .map((p) => p.join(''));
  for (const [name, make] of capped) {
    it(`${name} under a small --max-record-bytes rejects the same lines and keeps the same records whatever the chunk boundaries`, () => {
      // Which code a record both malformed and too long gets, and how much of
      // it the reject quotes, may depend on what was buffered; where it is not.
      const outline = (engine: Engine & { fatal?: string }, parts: string[]) => {
        const out = run(engine, parts) as { problems: { line: number }[] } & Record<string, unknown>;
        return engine.fatal !== undefined ? 'stops the file' : { ...out, problems: out.problems.map((p) => p.line) };
      };
      fc.assert(
        fc.property(longish, offsets, (text, at) => {
          assert.deepEqual(outline(make(), cut(text, at)), outline(make(), [text]));
        }),
        { numRuns: FUZZ_RUNS * 10 },
      );
    });
  }

  /** A value as the validator reads it: numbers (exact-number markers) and booleans as their text. */
  const asText = (value: unknown): unknown =>
    isNumberMark(value) ? numberText(value) : typeof value === 'boolean' ? String(value) : value !== null && typeof value === 'object' ? toJsonText(value) : value;
  for (const Engine of [NdjsonEngine, JsonArrayEngine]) {
    it(`${Engine.name} reads the same records as field lists as it does as objects`, () => {
      fc.assert(
        fc.property(fc.oneof(structural, flatRecords(Engine === JsonArrayEngine)), offsets, (text, at) => {
          const asObjects = new Engine({ maxRecordChars: 1 << 20 });
          const asFields = new Engine({ maxRecordChars: 1 << 20, fields: true });
          const objects = run(asObjects, cut(text, at)) as { objects: Record<string, unknown>[]; lines: number[]; problems: unknown[] };
          const fields = run(asFields, cut(text, at)) as { fields: unknown[][]; lines: number[]; problems: unknown[] };
          assert.deepEqual(fields.lines, objects.lines);
          assert.deepEqual(fields.problems, objects.problems);
          assert.deepEqual(
            fields.fields.map((f) => new Map(Array.from({ length: f.length / 2 }, (_, k) => [f[2 * k], asText(f[2 * k + 1])]))),
            objects.objects.map((o) => new Map(Object.entries(o).map(([k, v]) => [k, asText(v)]))),
          );
        }),
        { numRuns: FUZZ_RUNS * 10 },
      );
    });
  }

  const field = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), fc.constantFrom('"', ',', ';', '\t', '\n', '\r\n', '\r', ' ')), { maxLength: 5 }).map((p) => p.join(''));
  for (const delimiter of [',', ';', '\t']) {
    it(`CsvEngine reads back every field an RFC 4180 writer wrote with ${JSON.stringify(delimiter)}`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 4 }).chain((width) => fc.array(fc.array(field, { minLength: width, maxLength: width }), { maxLength: 6 })), fc.boolean(), offsets, (rows, crlf, at) => {
          const cell = (v: string) => (/["\r\n]/.test(v) || v.includes(delimiter) || v === '' ? `"${v.replace(/"/g, '""')}"` : v);
          const text = rows.map((r) => r.map(cell).join(delimiter)).join(crlf ? '\r\n' : '\n');
          const engine = new CsvEngine({ delimiter, maxRecordChars: 1 << 20 });
          const out = run(engine, cut(text, at)) as { rows: string[][]; problems: unknown[] };
          assert.deepEqual(out.problems, []);
          assert.deepEqual(out.rows, rows);
        }),
        { numRuns: FUZZ_RUNS * 10 },
      );
    });
  }

  /** The CSV output's line for a record's fields, each column of a text kind, as the validator hands them on (empty as null). */
  const outputLine = (fields: string[]): string =>
    csvFormatter(fields.map((_, c) => ({ name: `c${c}`, type: 'string' }) as Field)).line(fields.map((f) => (f === '' ? null : f)));

  it('CsvEngine keeps a record\'s text only where it is the line the CSV output writes for its fields', () => {
    fc.assert(
      fc.property(fc.oneof(structural, fc.string({ unit: 'binary' })), offsets, (text, at) => {
        const engine = new CsvEngine({ delimiter: ',', maxRecordChars: 1 << 20, keepVerbatim: true });
        const out = run(engine, cut(text, at)) as { rows: string[][]; verbatim: (string | undefined)[] };
        assert.equal(out.verbatim.length, out.rows.length);
        out.rows.forEach((fields, r) => {
          if (out.verbatim[r] !== undefined) assert.equal(out.verbatim[r], outputLine(fields));
        });
      }),
      { numRuns: FUZZ_RUNS * 10 },
    );
  });

  it('CsvEngine keeps the text of every record written as the CSV output writes it, but for carriage returns', () => {
    const record = fc.array(field, { minLength: 2, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 6 }), offsets, (rows, at) => {
        const text = rows.map(outputLine).join('');
        const engine = new CsvEngine({ delimiter: ',', maxRecordChars: 1 << 20, keepVerbatim: true });
        const out = run(engine, cut(text, at)) as { rows: string[][]; verbatim: (string | undefined)[] };
        assert.deepEqual(out.rows, rows);
        // A record with a carriage return anywhere is never kept: CRLF line ends are what it rules out.
        assert.deepEqual(out.verbatim, rows.map((fields) => (fields.some((f) => f.includes('\r')) ? undefined : outputLine(fields))));
      }),
      { numRuns: FUZZ_RUNS * 10 },
    );
  });
});
