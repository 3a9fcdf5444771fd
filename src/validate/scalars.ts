// Pure checks and canonical forms for scalar values. Each returns the
// canonical text, or undefined when the input is not acceptable; callers
// build the reason only on that (rare) path. No value ever passes through a
// JavaScript number, so decimals stay exact and dates keep their calendar day.

const PLAIN_DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
// Leading zeros never carry value and would make the number invalid JSON.
const LEADING_ZEROS = /^(-?)0+(?=\d)/;
const EXP_DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?[eE]([+-]?\d+)$/;

/** Exact decimal text: a leading "+" dropped, ".5" -> "0.5", "5." -> "5", exponents expanded. */
export function canonicalDecimal(text: string): string | undefined {
  if (isCanonicalDecimal(text)) return text;
  if (PLAIN_DECIMAL.test(text)) {
    let s = text.charCodeAt(0) === 43 /* + */ ? text.slice(1) : text;
    if (s.endsWith('.')) s = s.slice(0, -1);
    if (LEADING_ZEROS.test(s)) s = s.replace(LEADING_ZEROS, '$1');
    const dot = s.indexOf('.');
    if (dot === 0) s = '0' + s;
    else if (dot === 1 && s.charCodeAt(0) === 45 /* - */) s = '-0' + s.slice(1);
    return s;
  }
  const m = EXP_DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  return expandExponent(m[1] === '-' ? '-' : '', m[2], m[3] ?? '', Number(m[4]));
}

/**
 * The common case, checked without a regular expression: already canonical
 * ("-12.50", "0.5", "7"): digits, at most one inner ".", an optional "-",
 * no leading zero before another digit.
 */
function isCanonicalDecimal(text: string): boolean {
  const len = text.length;
  let i = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (i >= len) return false;
  const first = text.charCodeAt(i);
  if (first === 48 /* 0 */ && i + 1 < len && text.charCodeAt(i + 1) !== 46) return false;
  let dot = -1;
  for (; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (dot !== -1) return false;
      dot = i;
    } else if (c < 48 || c > 57) return false;
  }
  return dot === -1 || (dot > (text.charCodeAt(0) === 45 ? 1 : 0) && dot < len - 1);
}

function expandExponent(sign: string, intPart: string, fracPart: string, exp: number): string | undefined {
  if (Math.abs(exp) > 400) return undefined;
  let digits = intPart + fracPart;
  let point = intPart.length + exp;
  const firstSignificant = digits.search(/[1-9]/);
  if (firstSignificant === -1) return '0';
  digits = digits.slice(firstSignificant);
  point -= firstSignificant;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return sign + out;
}

const INTEGER = /^[+-]?\d+$/;

/** A 32-bit signed integer, written without sign noise or leading zeros. */
export function canonicalInt32(text: string): string | undefined {
  if (!INTEGER.test(text)) return undefined;
  const n = Number(text);
  if (n < -2147483648 || n > 2147483647) return undefined;
  return String(n === 0 ? 0 : n);
}

export function canonicalBoolean(text: string): string | undefined {
  const lower = text.length === 4 || text.length === 5 ? text.toLowerCase() : '';
  return lower === 'true' || lower === 'false' ? lower : undefined;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function canonicalUuid(text: string): string | undefined {
  return UUID.test(text) ? text : undefined;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * ISO 8601 date or date-time, checked against the real calendar. A date-only
 * value is returned as it came, so it names the same day in every time zone;
 * a space separator becomes "T".
 */
export function canonicalDateTime(text: string): string | undefined {
  if (text.length === 10 && isPlainDate(text)) return text;
  if (text.length === 20 && isPlainUtcDateTime(text)) return text;
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (m[4] === undefined) return text;
  if (+m[4] > 23 || +m[5] > 59 || (m[6] !== undefined && +m[6] > 59)) return undefined;
  if (m[8] !== undefined && m[8] !== 'Z') {
    const offset = m[8].replace(':', '');
    if (+offset.slice(1, 3) > 14 || +offset.slice(3, 5) > 59) return undefined;
  }
  return text.charCodeAt(10) === 32 ? text.slice(0, 10) + 'T' + text.slice(11) : text;
}

function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** "YYYY-MM-DD" naming a real day, checked without a regular expression (the common case). */
function isPlainDate(text: string): boolean {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** "YYYY-MM-DDThh:mm:ssZ" naming a real instant (the common case). */
function isPlainUtcDateTime(text: string): boolean {
  if (text.charCodeAt(10) !== 84 /* T */ || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 90 /* Z */) {
    return false;
  }
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && isPlainDate(text);
}

const MONTH_DAY = /^(\d{2})-(\d{2})$/;

/** FinancialYearSetting's "MM-DD"; 02-29 is allowed because it is a day of some years. */
export function canonicalMonthDay(text: string): string | undefined {
  const m = MONTH_DAY.exec(text);
  if (!m) return undefined;
  const month = +m[1];
  const day = +m[2];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(2000, month) ? text : undefined;
}
