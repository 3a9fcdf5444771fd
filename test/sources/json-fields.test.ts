// The field scanner must never accept text JSON.parse refuses, and what it
// reads must be what the general path reads: every number as its source
// token. The oracle is JSON.parse with every number token marked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FieldScanner, fieldsOf } from '../../src/sources/json-fields.js';
import { FUZZ_RUNS } from '../helpers.js';

const TOKENS = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** JSON.parse with numbers as "#" + token; undefined where JSON.parse refuses the text. */
function oracle(text: string): unknown {
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  return JSON.parse(text.replace(TOKENS, (t) => (t.startsWith('"') ? t : JSON.stringify(`#${t}`))));
}

/**
 * The oracle's record as a field list reads it: a number's token and a
 * boolean are text, as a string is (the validator reads all three as text).
 */
function asText(record: Record<string, unknown>): Map<string, unknown> {
  return new Map(
    Object.entries(record).map(([key, value]) => [
      key,
      typeof value === 'boolean' ? String(value) : typeof value === 'string' && value.startsWith('#') ? value.slice(1) : value,
    ]),
  );
}

/** Keyed by a Map, where "__proto__" is a key like any other. */
function asMap(fields: unknown[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (let k = 0; k < fields.length; k += 2) out.set(fields[k] as string, fields[k + 1]);
  return out;
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

const VALUES = ['7', '-0', '10.50', '1e5', '1E-7', '-12.5', '12345678901234567.89', '01', '1.', '+1', '-', '.5', '1e', '"s"', '"10.50"', '"a\\"b"', '"\\u00e9"', '"\\x"', '"tab\there"', '"line\nbreak"', 'true', 'false', 'null', 'tru', 'nul', '[1]', '{"n":1}', '"true"'];
const KEYS = ['erpKey', 'amount', 'a', 'b', '0', '__proto__', 'x\\"y', 'k\\u0041', 'é', ''];
/** Mostly plain spacing: any control character sends a record to the general path. */
const space = fc.oneof(
  { arbitrary: fc.constant(''), weight: 6 },
  { arbitrary: fc.constant(' '), weight: 3 },
  { arbitrary: fc.constantFrom('\n', '\t', '\r\n'), weight: 1 },
);

/** Flat-looking records, valid or not: odd numbers and strings, repeats, spacing, stray commas. */
const records = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...KEYS), space, fc.constantFrom(...VALUES)), { maxLength: 6 }),
    fc.constantFrom('', '', '', ','),
    fc.constantFrom('}', '}', '}', ']', '}}', '} x'),
    space,
  )
  .map(([members, trailing, close, space]) => `${space}{${members.map(([k, s, v]) => `"${k}"${s}:${s}${v}`).join(',')}${trailing}${close}${space}`);

describe('FieldScanner', () => {
  it('reads what the general path reads, and refuses what JSON.parse refuses', () => {
    fc.assert(
      fc.property(fc.array(records, { maxLength: 8 }), (texts) => {
        // One scanner for the whole run, so shapes carry from record to record.
        const scanner = new FieldScanner();
        for (const text of texts) {
          const fields = scanner.scan(text);
          const expected = oracle(text);
          if (fields === undefined) {
            const flat = expected !== undefined && Object.values(expected as object).every(isScalar);
            const keys = [...text.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].map((m) => m[1]);
            const plain = flat && !/[\u0000-\u001f]/.test(text) && new Set(keys).size === keys.length;
            assert.ok(!plain, `a flat record went to the general path: ${text}`);
            continue;
          }
          assert.notEqual(expected, undefined, `accepted text JSON.parse refuses: ${text}`);
          assert.deepEqual(asMap(fields), asText(expected as Record<string, unknown>));
          const keys = fields.filter((_, k) => k % 2 === 0);
          assert.equal(new Set(keys).size, keys.length, 'no repeated key');
        }
      }),
      { numRuns: FUZZ_RUNS * 20 },
    );
  });

  it('leaves a repeated key to the general path, also in a shape seen before', () => {
    const scanner = new FieldScanner();
    assert.deepEqual(scanner.scan('{"a":1,"b":"x"}'), ['a', '1', 'b', 'x']);
    assert.deepEqual(scanner.scan('{"a":2,"b":"y"}'), ['a', '2', 'b', 'y']);
    assert.equal(scanner.scan('{"a":2,"b":"y","a":3}'), undefined);
    assert.equal(scanner.scan('{"a":2,"a":3}'), undefined);
  });

  it('reads the same record the same way twice, escapes included', () => {
    const scanner = new FieldScanner();
    const line = '{"erpKey":"I-4","tab\\tkey":2}';
    assert.deepEqual(scanner.scan(line), ['erpKey', 'I-4', 'tab\tkey', '2']);
    assert.deepEqual(scanner.scan(line), ['erpKey', 'I-4', 'tab\tkey', '2']);
    assert.deepEqual(scanner.scan(String(line)), ['erpKey', 'I-4', 'tab\tkey', '2']);
  });

  it('matches a known shape on the raw key text only', () => {
    const scanner = new FieldScanner();
    assert.deepEqual(scanner.scan('{"k\\u0041":1}'), ['kA', '1']);
    assert.deepEqual(scanner.scan('{"kA":1,"k\\u0041":2}'), undefined, 'kA twice, once escaped');
    assert.deepEqual(scanner.scan('{"kA":1}'), ['kA', '1']);
    assert.deepEqual(scanner.scan('{"kAB":1}'), ['kAB', '1'], 'a longer key is not the known one');
    assert.deepEqual(scanner.scan('{"x\\"y":1}'), ['x"y', '1']);
    assert.equal(scanner.scan('{"x"y":1}'), undefined, 'an escaped key is never matched as raw text');
  });

  it('keeps a parsed object\'s own order and values', () => {
    assert.deepEqual(fieldsOf({ b: 1, a: 'x' }), ['b', 1, 'a', 'x']);
  });
});
