// The field scanner must never accept text JSON.parse refuses, and what it
// reads must be what the general path reads: every number as its source
// token. The oracle is JSON.parse with every number token marked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FieldScanner, fieldsOf, PATTERN_AFTER, PATTERN_MAX_KEY_CHARS, PATTERN_MAX_KEYS } from '../../src/sources/json-fields.js';
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

const VALUES = ['7', '-0', '10.50', '1e5', '1E-7', '-12.5', '12345678901234567.89', '01', '1.', '+1', '-', '.5', '1e', '"s"', '"10.50"', '"a\\"b"', '"\\u00e9"', '"\\x"', '"tab\there"', '"line\nbreak"', 'true', 'false', 'null', 'tru', 'nul', '[1]', '{"n":1}', '"true"', '"Café ☕ \u2028"'];
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

/** The scanner's reading of one text, checked against the oracle. */
function checkScan(scanner: FieldScanner, text: string): void {
  const fields = scanner.scan(text);
  const expected = oracle(text);
  if (fields === undefined) {
    const flat = expected !== undefined && Object.values(expected as object).every(isScalar);
    const keys = [...text.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].map((m) => m[1]);
    const plain = flat && !/[\u0000-\u001f]/.test(text) && new Set(keys).size === keys.length;
    assert.ok(!plain, `a flat record went to the general path: ${text}`);
    return;
  }
  assert.notEqual(expected, undefined, `accepted text JSON.parse refuses: ${text}`);
  assert.deepEqual(asMap(fields), asText(expected as Record<string, unknown>));
  const keys = fields.filter((_, k) => k % 2 === 0);
  assert.equal(new Set(keys).size, keys.length, 'no repeated key');
}

/** Keys a pattern is made of: plain ones, some full of the characters a regular expression treats as special. */
const PLAIN_KEYS = ['erpKey', 'amount', 'a', '0', '__proto__', 'é', '', 'a.b', '(x)|[y]', '^$*+?{2}', 'back/slash', '-'];

describe('FieldScanner', () => {
  it('reads what the general path reads, and refuses what JSON.parse refuses', () => {
    fc.assert(
      fc.property(fc.array(records, { maxLength: 8 }), (texts) => {
        // One scanner for the whole run, so shapes carry from record to record.
        const scanner = new FieldScanner();
        for (const text of texts) checkScan(scanner, text);
      }),
      { numRuns: FUZZ_RUNS * 20 },
    );
  });

  it('reads a shape with its pattern as the scan does, once the shape has repeated', () => {
    const shapes = fc.uniqueArray(fc.constantFrom(...PLAIN_KEYS), { minLength: 1, maxLength: 5 });
    const values = fc.constantFrom(...VALUES);
    fc.assert(
      fc.property(
        shapes,
        // A record with one more key is another shape, which ends the pattern's use: rarely, then.
        fc.array(fc.tuple(fc.array(values, { minLength: 5, maxLength: 5 }), space, fc.constantFrom('', '', '', '', '', ' x', ',"b":1')), { minLength: 1, maxLength: 30 }),
        (keys, later) => {
          const scanner = new FieldScanner();
          const clean = `{${keys.map((k, n) => `"${k}":"v${n}"`).join(',')}}`;
          for (let n = 0; n < PATTERN_AFTER; n++) assert.deepEqual(scanner.scan(clean), keys.flatMap((k, n) => [k, `v${n}`]));
          assert.equal(scanner.pattern, 'compact');
          // Records of the same keys with values valid or not, spaced or not, some with something after them.
          for (const [vals, s, tail] of later) {
            const text = `${s}{${s}${keys.map((k, n) => `"${k}"${s}:${s}${vals[n]}${s}`).join(`,${s}`)}${tail === ',"b":1' ? tail : ''}}${tail === ' x' ? tail : ''}`;
            checkScan(scanner, text);
          }
        },
      ),
      { numRuns: FUZZ_RUNS * 10 },
    );
  });

  it('gives a shape its pattern after PATTERN_AFTER records in a row, and drops it with the shape', () => {
    const scanner = new FieldScanner();
    for (let n = 1; n < PATTERN_AFTER; n++) scanner.scan(`{"a":${n},"b":"x"}`);
    assert.equal(scanner.pattern, 'none');
    for (let n = 1; n < PATTERN_AFTER; n++) scanner.scan(`{"a":${n},"c":"x"}`);
    assert.equal(scanner.pattern, 'none', 'another shape starts the count again');
    scanner.scan('{"a":1,"c":"x"}');
    assert.equal(scanner.pattern, 'compact');
    assert.deepEqual(scanner.scan('{"a":1,"c":"\\"q\\""}'), ['a', '1', 'c', '"q"']);
    assert.equal(scanner.pattern, 'compact', 'a record the compact pattern reads keeps it');
    assert.equal(scanner.scan('{"a":[1],"c":"x"}'), undefined);
    assert.equal(scanner.pattern, 'compact', 'a record nobody reads changes nothing');
    assert.deepEqual(scanner.scan('{"a": 1,"c":"x"}'), ['a', '1', 'c', 'x']);
    assert.equal(scanner.pattern, 'blanks');
    assert.deepEqual(scanner.scan('{"c":"x","a":1}'), ['c', 'x', 'a', '1']);
    assert.equal(scanner.pattern, 'none');
  });

  it('makes no pattern for more than PATTERN_MAX_KEYS keys or PATTERN_MAX_KEY_CHARS characters of keys, and reads their records all the same', () => {
    const long = 'k'.repeat(PATTERN_MAX_KEY_CHARS / 2);
    for (const [keys, prefix, made] of [
      [PATTERN_MAX_KEYS, 'k', true],
      [PATTERN_MAX_KEYS + 1, 'k', false],
      [5000, 'k', false],
      [2, long.slice(1), true],
      [2, long, false],
    ] as const) {
      const scanner = new FieldScanner();
      const record = (n: number) => `{${Array.from({ length: keys }, (_, k) => `"${prefix}${k}":${k === 0 ? n : `"v${k}"`}`).join(',')}}`;
      for (let n = 0; n < PATTERN_AFTER; n++) scanner.scan(record(n));
      assert.equal(scanner.pattern, made ? 'compact' : 'none', `${keys} keys of ${prefix.length + 1} characters or more`);
      const fields = scanner.scan(record(7));
      assert.equal(fields?.length, 2 * keys);
      assert.deepEqual(fields?.slice(0, 4), [`${prefix}0`, '7', `${prefix}1`, 'v1']);
    }
  });

  it('reads a pattern\'s records with strings of megabytes, escaped or not', () => {
    const scanner = new FieldScanner();
    for (let n = 0; n < PATTERN_AFTER; n++) scanner.scan(`{"a":"x","b":${n}}`);
    assert.equal(scanner.pattern, 'compact');
    const plain = 'x'.repeat(10_000_000);
    assert.equal(scanner.scan(`{"a":"${plain}","b":1}`)?.[1], plain);
    const escaped = scanner.scan(`{"a":"${'\\n'.repeat(4_000_000)}","b":2}`);
    assert.equal(escaped?.[1], '\n'.repeat(4_000_000));
    assert.equal(escaped?.[3], '2');
  });

  it('reads records with blanks between tokens once the compact pattern misses them', () => {
    const scanner = new FieldScanner();
    for (let n = 0; n < PATTERN_AFTER; n++) scanner.scan(`{"a":${n},"b":"x"}`);
    assert.equal(scanner.pattern, 'compact');
    for (let n = 0; n < 3; n++) assert.deepEqual(scanner.scan(`{ "a" : ${n} ,\n "b": "y\\u00e9" }`), ['a', String(n), 'b', 'yé']);
    assert.equal(scanner.pattern, 'blanks');
    assert.deepEqual(scanner.scan('{"a":-1.5e3,"b":null}'), ['a', '-1.5e3', 'b', null]);
    assert.equal(scanner.scan('{"a":1,"b":"\\u0000"}'), undefined, 'U+0000 goes to the general path');
    assert.equal(scanner.scan('{"a":01,"b":"x"}'), undefined);
    assert.deepEqual(scanner.scan('{"b":"x","a":1}'), ['b', 'x', 'a', '1'], 'another order is another shape');
  });

  it('matches a pattern\'s keys as text, whatever characters they hold', () => {
    const scanner = new FieldScanner();
    for (let n = 0; n <= PATTERN_AFTER; n++) scanner.scan('{"a.b":1,"(c)|d":2}');
    assert.deepEqual(scanner.scan('{"a.b":3,"(c)|d":4}'), ['a.b', '3', '(c)|d', '4']);
    assert.deepEqual(scanner.scan('{"aXb":1,"(c)|d":2}'), ['aXb', '1', '(c)|d', '2']);
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
