// The exact-number path: every number of a parsed document must read back
// (numberText) as the very token of the source, whatever else the document
// holds. The oracle marks every number token with a regular expression.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isNumberMark, numberText, parseExactJson } from '../../src/sources/json-number.js';
import { FUZZ_RUNS } from '../helpers.js';

const TOKENS = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** Every number as its source token, strings and structure unchanged. */
function oracle(text: string): unknown {
  return JSON.parse(text.replace(TOKENS, (t) => (t.startsWith('"') ? t : JSON.stringify(`#${t}`))));
}

/** Numbers (doubles or markers) as "#" + their text, for comparing with the oracle. */
function asTokens(value: unknown): unknown {
  if (typeof value === 'number' || isNumberMark(value)) return `#${numberText(value as number | string)}`;
  if (Array.isArray(value)) return value.map(asTokens);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asTokens(v)]));
  return value;
}

const NUMBERS = ['7', '-0', '0', '10.50', '-12.5', '1e5', '1E-7', '0.0000001', '-0.0000001', '12345678901234567.89', '0.1', '100', '2.50e3', '123456789012345', '1234567890123456', '-0.5', '99.90'];
const KEYS = ['a', 'b', 'amount', '0', '12', '__proto__', 'x\\"y', 'k\\u0041', 'é'];

/** JSON text with risky numbers, duplicate and integer-like keys, nesting and spacing. */
const documents = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(...NUMBERS),
    fc.constantFrom('"s"', '"a:b"', '"q\\":"', 'true', 'null', '"10.50"'),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom('', ' ', '\n'), tie('value')), { maxLength: 5 })
      .map((members) => `{${members.map(([k, space, v]) => `"${k}"${space}:${space}${v}`).join(',')}}`),
  ),
})).value;

describe('parseExactJson', () => {
  it('gives every number back as its source token, in any document', () => {
    fc.assert(
      fc.property(documents, (text) => {
        assert.deepEqual(asTokens(parseExactJson(text)), oracle(text));
      }),
      { numRuns: FUZZ_RUNS * 5 },
    );
  });

  it('carries every number as its source text, never as a double', () => {
    const parsed = parseExactJson('{"a": 10.50, "b": 10.55, "c": 12345678901234567.89, "d": [1e2, 3]}') as Record<string, unknown>;
    const [exp, plain] = parsed.d as unknown[];
    const values = [parsed.a, parsed.b, parsed.c, exp, plain];
    assert.ok(values.every(isNumberMark));
    assert.deepEqual(values.map((v) => numberText(v as string)), ['10.50', '10.55', '12345678901234567.89', '1e2', '3']);
  });

  it('takes the right token when a duplicate key drops a value', () => {
    const parsed = parseExactJson('{"a": "x", "b": 1.50, "a": 1.5}') as Record<string, unknown>;
    assert.equal(numberText(parsed.b as string), '1.50');
    assert.equal(numberText(parsed.a as string), '1.5');
  });

  it('marks every token of a record with a string of ten million characters on the general path', () => {
    // A key that starts with a digit sends the record to the pass that marks every token.
    const long = 'x'.repeat(10_000_000);
    const parsed = parseExactJson(`{"1": 10.50, "a": "${long}", "b": 2}`) as Record<string, unknown>;
    assert.equal(numberText(parsed['1'] as string), '10.50');
    assert.equal(parsed.a, long);
    assert.equal(numberText(parsed.b as string), '2');
  });

  it('reports a syntax error for text JSON refuses', () => {
    assert.throws(() => parseExactJson('{"a": 10.50,}'), SyntaxError);
  });
});
