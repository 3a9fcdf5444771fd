import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { booleanTransform, dateTransform, decimalTransform, SettingError, synonymTransform } from '../../src/mapping/values.js';

describe('date formats', () => {
  it('reads declared day/month orders and refuses impossible days', () => {
    const dmy = dateTransform('DD/MM/YYYY', undefined);
    const mdy = dateTransform('MM/DD/YYYY', undefined);
    assert.equal(dmy('03/04/2024'), '2024-04-03');
    assert.equal(mdy('03/04/2024'), '2024-03-04');
    assert.equal(dmy('29/02/2024'), '2024-02-29');
    assert.equal(dmy('29/02/2023'), undefined);
    assert.equal(dmy('2024-04-03'), undefined);
    assert.equal(dateTransform('D.M.YYYY', undefined)('3.4.2024'), '2024-04-03');
  });

  it('keeps date-only values on their calendar day whatever the source zone', () => {
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'UTC']) {
      assert.equal(dateTransform('DD/MM/YYYY', zone)('01/01/2024'), '2024-01-01');
      assert.equal(dateTransform('excel', zone)('45292'), '2024-01-01');
    }
  });

  it('gives time stamps without offset the offset of the source zone at that moment (DST included)', () => {
    const berlin = dateTransform('DD.MM.YYYY HH:mm', 'Europe/Berlin');
    assert.equal(berlin('15.01.2024 10:30'), '2024-01-15T10:30:00+01:00');
    assert.equal(berlin('15.07.2024 10:30'), '2024-07-15T10:30:00+02:00');
    const la = dateTransform('MM/DD/YYYY HH:mm:ss', 'America/Los_Angeles');
    assert.equal(la('03/10/2024 01:59:59'), '2024-03-10T01:59:59-08:00');
    assert.equal(la('03/10/2024 03:00:00'), '2024-03-10T03:00:00-07:00');
    assert.equal(dateTransform('YYYY-MM-DD HH:mm', 'Asia/Kolkata')('2024-03-10 23:15'), '2024-03-10T23:15:00+05:30');
    assert.equal(dateTransform('YYYY-MM-DD HH:mm', 'UTC')('2024-03-10 23:15'), '2024-03-10T23:15:00Z');
    // Without a zone the wall time is kept as written, with no offset invented.
    assert.equal(dateTransform('MM/DD/YYYY HH:mm', undefined)('12/31/2023 23:59'), '2023-12-31T23:59:00');
    assert.equal(dateTransform('DD/MM/YYYY HH:mm', undefined)('31/12/2023 24:00'), undefined);
  });

  it('iso with a zone adds the offset only where none is written', () => {
    const iso = dateTransform('iso', 'Europe/Paris');
    assert.equal(iso('2024-06-01T08:00:00'), '2024-06-01T08:00:00+02:00');
    assert.equal(iso('2024-06-01T08:00:00Z'), '2024-06-01T08:00:00Z');
    assert.equal(iso('2024-06-01'), '2024-06-01');
  });

  it('reads Excel serial dates, skipping the 1900 leap-year bug', () => {
    const excel = dateTransform('excel', undefined);
    assert.equal(excel('1'), '1900-01-01');
    assert.equal(excel('59'), '1900-02-28');
    assert.equal(excel('60'), undefined, '1900-02-29 never existed');
    assert.equal(excel('61'), '1900-03-01');
    assert.equal(excel('45292'), '2024-01-01');
    assert.equal(excel('45292.75'), '2024-01-01T18:00:00');
    assert.equal(excel('45292,5'), '2024-01-01T12:00:00');
    assert.equal(excel('abc'), undefined);
    assert.equal(dateTransform('excel', 'America/New_York')('45292.75'), '2024-01-01T18:00:00-05:00');
  });

  it('refuses formats and zones it cannot use', () => {
    assert.throws(() => dateTransform('DD/MM', undefined), SettingError);
    assert.throws(() => dateTransform('DD/MM/YYYY hh:mm', undefined), /unknown token "hh"/);
    assert.throws(() => dateTransform('DD/MM/YYYY HH', undefined), /no minutes/);
    assert.throws(() => dateTransform('DD/DD/YYYY', undefined), /twice/);
    assert.throws(() => dateTransform('iso', 'Mars/Olympus'), /IANA/);
  });
});

describe('decimal locales', () => {
  it('turns locale text into exact plain decimals', () => {
    const de = decimalTransform({ decimalSeparator: ',', groupSeparator: '.', currencySymbols: ['€', 'EUR'], trailingMinus: true });
    assert.equal(de('1.234,56'), '1234.56');
    assert.equal(de('12.345.678.901.234.567,89'), '12345678901234567.89');
    assert.equal(de('1234,5'), '1234.5');
    assert.equal(de('50,00-'), '-50.00');
    assert.equal(de('-50,00'), '-50.00');
    assert.equal(de('€ 1.000,10'), '1000.10');
    assert.equal(de('1.000,10 EUR'), '1000.10');
    assert.equal(de('1.23,4'), undefined, 'a misplaced group separator is refused');
    assert.equal(de('1,234.56'), undefined, 'the other locale is refused');
    assert.equal(de('-50,00-'), undefined);
    const us = decimalTransform({ groupSeparator: ',', currencySymbols: ['$'], parenthesesNegative: true });
    assert.equal(us('(123.45)'), '-123.45');
    assert.equal(us('$(1,000.00)'), undefined);
    assert.equal(us('($1,000.00)'), '-1000.00');
    assert.equal(us('+7'), '7');
    assert.equal(us('(-1)'), undefined);
    const swiss = decimalTransform({ groupSeparator: "'" });
    assert.equal(swiss("1'234'567.05"), '1234567.05');
    const fr = decimalTransform({ decimalSeparator: ',', groupSeparator: ' ' });
    assert.equal(fr('1\u202f234,5'), '1234.5');
    assert.equal(fr('1 234 567,5'), '1234567.5');
  });

  it('refuses the same character as point and group separator', () => {
    assert.throws(() => decimalTransform({ decimalSeparator: ',', groupSeparator: ',' }), SettingError);
  });
});

describe('booleans and synonyms', () => {
  it('maps declared words ignoring case and passes others on', () => {
    const yn = booleanTransform({ true: ['Y', 'Yes', 'J'], false: ['N', 'No'] });
    assert.equal(yn('y'), 'true');
    assert.equal(yn(' NO '), 'false');
    assert.equal(yn('maybe'), 'maybe');
    assert.throws(() => booleanTransform({ true: ['X'], false: ['x'] }), /both/);
    const payment = synonymTransform({ AR: 'AR Payment', AP: 'AP Payment' });
    assert.equal(payment('AR'), 'AR Payment');
    assert.equal(payment('AR Payment'), 'AR Payment');
  });
});
