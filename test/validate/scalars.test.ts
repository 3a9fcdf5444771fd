import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  canonicalBoolean,
  canonicalDateTime,
  canonicalDecimal,
  canonicalInt32,
  canonicalMonthDay,
  canonicalUuid,
} from '../../src/validate/scalars.js';

describe('canonicalDecimal', () => {
  it('keeps decimal text exactly, trailing zeros included', () => {
    for (const text of ['0', '1250.50', '-50', '12345678901234567.89', '0.1', '-0.000001', '99999999999999999999999.999999']) {
      assert.equal(canonicalDecimal(text), text);
    }
  });
  it('drops only what carries no value', () => {
    assert.equal(canonicalDecimal('+5'), '5');
    assert.equal(canonicalDecimal('.5'), '0.5');
    assert.equal(canonicalDecimal('-.5'), '-0.5');
    assert.equal(canonicalDecimal('5.'), '5');
    assert.equal(canonicalDecimal('007.50'), '7.50');
    assert.equal(canonicalDecimal('-007'), '-7');
  });
  it('expands exponents exactly, without a double', () => {
    assert.equal(canonicalDecimal('1e-7'), '0.0000001');
    assert.equal(canonicalDecimal('1.5E3'), '1500');
    assert.equal(canonicalDecimal('-1.2345e2'), '-123.45');
    assert.equal(canonicalDecimal('12345678901234567.89e2'), '1234567890123456789');
    assert.equal(canonicalDecimal('0.00e5'), '0');
  });
  it('refuses what is not a plain number', () => {
    for (const text of ['', 'NaN', 'Infinity', '1,234.56', '1.2.3', '$5', 'ten', '--1', '1e', 'e5', '0x10', '1 000']) {
      assert.equal(canonicalDecimal(text), undefined, text);
    }
  });
});

describe('canonicalInt32', () => {
  it('accepts 32-bit integers and normalises sign and zeros', () => {
    assert.equal(canonicalInt32('42'), '42');
    assert.equal(canonicalInt32('+042'), '42');
    assert.equal(canonicalInt32('-0'), '0');
    assert.equal(canonicalInt32('2147483647'), '2147483647');
    assert.equal(canonicalInt32('-2147483648'), '-2147483648');
  });
  it('refuses fractions, overflow and text', () => {
    for (const text of ['3.5', '2147483648', '-2147483649', '1e3', 'one', '']) assert.equal(canonicalInt32(text), undefined, text);
  });
});

describe('canonicalBoolean', () => {
  it('takes true/false in any case', () => {
    assert.equal(canonicalBoolean('TRUE'), 'true');
    assert.equal(canonicalBoolean('False'), 'false');
  });
  it('refuses synonyms, which need a mapping', () => {
    for (const text of ['1', '0', 'Y', 'yes', 'no', 'maybe', '']) assert.equal(canonicalBoolean(text), undefined, text);
  });
});

describe('canonicalDateTime', () => {
  it('keeps a date-only value as the same calendar day', () => {
    assert.equal(canonicalDateTime('2024-02-29'), '2024-02-29');
    assert.equal(canonicalDateTime('2000-02-29'), '2000-02-29');
  });
  it('accepts ISO date-times and writes "T" for a space', () => {
    assert.equal(canonicalDateTime('2024-03-01T10:15:00Z'), '2024-03-01T10:15:00Z');
    assert.equal(canonicalDateTime('2021-11-09T12:04:24.46'), '2021-11-09T12:04:24.46');
    assert.equal(canonicalDateTime('2024-03-02T09:00:00-08:00'), '2024-03-02T09:00:00-08:00');
    assert.equal(canonicalDateTime('2024-03-02 09:00'), '2024-03-02T09:00');
  });
  it('refuses days that do not exist and other formats', () => {
    for (const text of ['2024-02-30', '2023-02-29', '1900-02-29', '2024-13-01', '2024-04-31', '2024-00-10', '0000-01-01', '03/04/2024', '2024-3-1', '2024-03-01T24:00', '2024-03-01T10:60', '2024-03-01T10:00+15:00', '']) {
      assert.equal(canonicalDateTime(text), undefined, text);
    }
  });
});

describe('canonicalMonthDay and canonicalUuid', () => {
  it('checks MM-DD', () => {
    assert.equal(canonicalMonthDay('02-29'), '02-29');
    assert.equal(canonicalMonthDay('06-31'), undefined);
    assert.equal(canonicalMonthDay('7-1'), undefined);
  });
  it('checks UUIDs', () => {
    assert.equal(canonicalUuid('3F2504E0-4F89-11D3-9A0C-0305E82C3301'), '3F2504E0-4F89-11D3-9A0C-0305E82C3301');
    assert.equal(canonicalUuid('3f2504e0-4f89-11d3-9a0c-0305e82c330'), undefined);
  });
});

describe('canonical forms hold for any input (the char-code fast paths agree with the full checks)', () => {
  it('a decimal result is canonical, equal in value, and a fixed point', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[+-]?[0-9]{0,6}\.?[0-9]{0,4}$/), (text) => {
        const out = canonicalDecimal(text);
        const valid = /[0-9]/.test(text);
        assert.equal(out !== undefined, valid, text);
        if (out === undefined) return;
        assert.equal(Number(out), Number(text.replace(/\.$/, '')), text);
        assert.match(out, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/);
        assert.equal(canonicalDecimal(out), out);
      }),
    );
  });

  it('a date or UTC date-time is accepted exactly when it names a real day and time', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.boolean(),
        (year, month, day, hour, minute, withTime) => {
          const date = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}`;
          const text = withTime ? `${date}T${two(hour)}:${two(minute)}:${two(minute)}Z` : date;
          const utc = new Date(0);
          utc.setUTCFullYear(year, month - 1, day);
          const realDay = year >= 1 && month >= 1 && month <= 12 && utc.getUTCDate() === day;
          const realTime = !withTime || (hour <= 23 && minute <= 59);
          assert.equal(canonicalDateTime(text), realDay && realTime ? text : undefined, text);
        },
      ),
    );
  });
});
