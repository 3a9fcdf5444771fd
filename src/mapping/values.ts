// Value transforms a mapping declares, each compiled once from its settings
// into a function over one value's text. A transform returns the text the
// schema's own converter then checks (ISO dates, plain decimals, true/false),
// or undefined when the value does not fit the declared form.

import { daysInMonth } from '../validate/scalars.js';

export type Transform = (text: string) => string | undefined;

const pad2 = (n: number): string => String(n).padStart(2, '0');
const pad4 = (n: number): string => String(n).padStart(4, '0');

/** Thrown while compiling a transform; the caller adds the mapping path. */
export class SettingError extends Error {}

// ---------------------------------------------------------------- dates

const TOKENS: Record<string, { group: string; part: DatePart }> = {
  YYYY: { group: '(\\d{4})', part: 'year' },
  MM: { group: '(\\d{2})', part: 'month' },
  M: { group: '(\\d{1,2})', part: 'month' },
  DD: { group: '(\\d{2})', part: 'day' },
  D: { group: '(\\d{1,2})', part: 'day' },
  HH: { group: '(\\d{2})', part: 'hour' },
  H: { group: '(\\d{1,2})', part: 'hour' },
  mm: { group: '(\\d{2})', part: 'minute' },
  ss: { group: '(\\d{2})', part: 'second' },
  SSS: { group: '(\\d{1,9})', part: 'fraction' },
};
type DatePart = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'fraction';
const TOKEN_PATTERN = /YYYY|MM|M|DD|D|HH|H|mm|ss|SSS|[A-Za-z]+|[^A-Za-z]+/g;

/** Date.UTC without its two-digit-year quirk (year 50 would mean 1950). */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  d.setUTCFullYear(year);
  return d.getTime();
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: string;
}

/** UTC offset, in minutes, of an IANA zone at an instant; computed with Intl. */
function zoneOffsetFunction(timeZone: string): (utcMillis: number) => number {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  } catch {
    throw new SettingError(`"${timeZone}" is not an IANA time zone (example: Europe/Berlin)`);
  }
  return (utc) => {
    const parts: Record<string, string> = {};
    for (const p of format.formatToParts(utc)) parts[p.type] = p.value;
    const year = parts.era === 'BC' || parts.era === 'B' ? 1 - +parts.year : +parts.year;
    const wall = utcMillis(year, +parts.month, +parts.day, +parts.hour, +parts.minute, +parts.second);
    return Math.round((wall - Math.floor(utc / 1000) * 1000) / 60000);
  };
}

function offsetText(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/**
 * Writes a wall time as ISO 8601. A date-only value stays date-only, so it
 * names the same calendar day in every zone; a time of day gets the source
 * zone's offset for that moment when a zone is declared.
 */
function isoText(t: WallTime, hasTime: boolean, offsetAt: ((utc: number) => number) | undefined): string {
  const date = `${pad4(t.year)}-${pad2(t.month)}-${pad2(t.day)}`;
  if (!hasTime) return date;
  let text = `${date}T${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)}${t.fraction ? '.' + t.fraction : ''}`;
  if (offsetAt) {
    const wall = utcMillis(t.year, t.month, t.day, t.hour, t.minute, t.second);
    // The offset at the wall time read as UTC is right except near a
    // transition; one correction step settles it.
    let offset = offsetAt(wall);
    const corrected = offsetAt(wall - offset * 60000);
    if (corrected !== offset) offset = corrected;
    text += offsetText(offset);
  }
  return text;
}

function validWallTime(t: WallTime): boolean {
  return (
    t.year >= 1 && t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= daysInMonth(t.year, t.month) &&
    t.hour <= 23 && t.minute <= 59 && t.second <= 59
  );
}

/**
 * A date transform for a declared format: a pattern such as "DD/MM/YYYY" or
 * "MM/DD/YYYY HH:mm", "excel" for spreadsheet serial numbers, or "iso".
 * `timeZone` applies to values with a time of day and no offset.
 */
export function dateTransform(format: string, timeZone: string | undefined): Transform {
  const offsetAt = timeZone === undefined ? undefined : zoneOffsetFunction(timeZone);
  if (format === 'excel') return excelTransform(offsetAt);
  if (format === 'iso') return isoTransform(offsetAt);
  const parts: DatePart[] = [];
  let source = '^';
  for (const token of format.match(TOKEN_PATTERN) ?? []) {
    const known = TOKENS[token];
    if (known) {
      if (parts.includes(known.part)) throw new SettingError(`"${format}" names the ${known.part} twice`);
      parts.push(known.part);
      source += known.group;
    } else if (/^[A-Za-z]/.test(token)) {
      throw new SettingError(`"${format}": unknown token "${token}" (use YYYY, MM, M, DD, D, HH, H, mm, ss, SSS, or "excel" / "iso")`);
    } else source += token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
  }
  for (const needed of ['year', 'month', 'day'] as const) {
    if (!parts.includes(needed)) throw new SettingError(`"${format}" has no ${needed} (YYYY, MM, DD)`);
  }
  if (parts.includes('minute') && !parts.includes('hour')) throw new SettingError(`"${format}" has minutes but no hour (HH)`);
  if (parts.includes('hour') && !parts.includes('minute')) throw new SettingError(`"${format}" has an hour but no minutes (mm)`);
  const hasTime = parts.includes('hour');
  const pattern = new RegExp(source + '$');
  return (text) => {
    const m = pattern.exec(text);
    if (!m) return undefined;
    const t: WallTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, fraction: '' };
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === 'fraction') t.fraction = m[i + 1];
      else t[parts[i] as Exclude<DatePart, 'fraction'>] = +m[i + 1];
    }
    return validWallTime(t) ? isoText(t, hasTime, offsetAt) : undefined;
  };
}

const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/** ISO input: values without an offset get the source zone's; everything else is left to the schema check. */
function isoTransform(offsetAt: ((utc: number) => number) | undefined): Transform {
  if (!offsetAt) return (text) => text;
  return (text) => {
    const m = ISO_LOCAL.exec(text);
    if (!m) return text;
    const t: WallTime = { year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: +(m[6] ?? 0), fraction: m[7] ?? '' };
    return validWallTime(t) ? isoText(t, true, offsetAt) : undefined;
  };
}

// A German Excel writes the fraction with a comma.
const EXCEL_SERIAL = /^(\d{1,7})(?:[.,](\d+))?$/;
const DAY_MS = 86_400_000;
// Excel counts 1900-02-29, a day that never was (serial 60): serials after
// it are one day ahead, so they count from 1899-12-30, earlier ones from 1899-12-31.
const EXCEL_EPOCH_AFTER_LEAP_BUG = Date.UTC(1899, 11, 30);
const EXCEL_EPOCH_BEFORE_LEAP_BUG = Date.UTC(1899, 11, 31);

function excelTransform(offsetAt: ((utc: number) => number) | undefined): Transform {
  return (text) => {
    const m = EXCEL_SERIAL.exec(text);
    if (!m) return undefined;
    const days = +m[1];
    if (days === 0 || days === 60) return undefined;
    const day = new Date((days > 60 ? EXCEL_EPOCH_AFTER_LEAP_BUG : EXCEL_EPOCH_BEFORE_LEAP_BUG) + days * DAY_MS);
    const t: WallTime = {
      year: day.getUTCFullYear(),
      month: day.getUTCMonth() + 1,
      day: day.getUTCDate(),
      hour: 0,
      minute: 0,
      second: 0,
      fraction: '',
    };
    const hasTime = m[2] !== undefined && /[1-9]/.test(m[2]);
    if (hasTime) {
      // A fraction of a day; spreadsheets store times to about a millisecond, so whole seconds are exact enough.
      const seconds = Math.round(Number('0.' + m[2]) * 86_400);
      if (seconds >= 86_400) return undefined;
      t.hour = Math.floor(seconds / 3600);
      t.minute = Math.floor((seconds % 3600) / 60);
      t.second = seconds % 60;
    }
    return isoText(t, hasTime, offsetAt);
  };
}

/** Text that reads as a date in either day/month order: never guessed. */
export const AMBIGUOUS_DATE = /^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})\b/;

// ---------------------------------------------------------------- decimals

export interface DecimalSettings {
  decimalSeparator?: string;
  groupSeparator?: string;
  currencySymbols?: readonly string[];
  parenthesesNegative?: boolean;
  trailingMinus?: boolean;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Locale decimals ("1.234,56", "(123.45)", "€ 1 234,56", "12,50-") to plain
 * decimal text, by rearranging characters only: the digits never pass
 * through a number, so the value stays exact.
 */
export function decimalTransform(settings: DecimalSettings): Transform {
  const point = settings.decimalSeparator ?? '.';
  const group = settings.groupSeparator ?? '';
  if (point === group) throw new SettingError('decimalSeparator and groupSeparator must differ');
  const grouped = group === '' ? '' : `|\\d{1,3}(?:${group === ' ' ? '[ \\u00a0\\u202f]' : escape(group)}\\d{3})+`;
  const number = new RegExp(`^([+-]?)(\\d+${grouped})(?:${escape(point)}(\\d*))?$`);
  const symbols = [...(settings.currencySymbols ?? [])].sort((a, b) => b.length - a.length);
  const parentheses = settings.parenthesesNegative ?? false;
  const trailingMinus = settings.trailingMinus ?? false;
  return (text) => {
    let s = text.trim();
    let negative = false;
    if (parentheses && s.length > 2 && s.charCodeAt(0) === 40 && s.charCodeAt(s.length - 1) === 41) {
      negative = true;
      s = s.slice(1, -1).trim();
    }
    if (trailingMinus && s.endsWith('-')) {
      if (negative) return undefined;
      negative = true;
      s = s.slice(0, -1).trim();
    }
    let sign = '';
    if (s[0] === '-' || s[0] === '+') {
      sign = s[0];
      s = s.slice(1).trim();
    }
    for (const symbol of symbols) {
      if (s.startsWith(symbol)) {
        s = s.slice(symbol.length).trim();
        break;
      }
      if (s.endsWith(symbol)) {
        s = s.slice(0, -symbol.length).trim();
        break;
      }
    }
    const m = number.exec(s);
    if (!m) return undefined;
    if (m[1]) {
      if (sign) return undefined;
      sign = m[1];
    }
    if (negative) {
      if (sign) return undefined;
      sign = '-';
    }
    const digits = group === '' ? m[2] : m[2].replace(/\D/g, '');
    return `${sign === '+' ? '' : sign}${digits}${m[3] ? '.' + m[3] : ''}`;
  };
}

// ---------------------------------------------------------------- booleans and synonyms

export interface BooleanSettings {
  true?: readonly string[];
  false?: readonly string[];
}

/** Declared synonyms, compared ignoring case; true/false themselves still count. */
export function booleanTransform(settings: BooleanSettings): Transform {
  const words = new Map<string, string>();
  for (const w of settings.true ?? []) words.set(w.toLowerCase(), 'true');
  for (const w of settings.false ?? []) {
    if (words.get(w.toLowerCase()) === 'true') throw new SettingError(`"${w}" is listed as both true and false`);
    words.set(w.toLowerCase(), 'false');
  }
  return (text) => words.get(text.trim().toLowerCase()) ?? text;
}

/** Source values replaced by contract values ("AR" -> "AR Payment"); others pass unchanged. */
export function synonymTransform(values: Readonly<Record<string, string>>): Transform {
  const map = new Map(Object.entries(values));
  return (text) => map.get(text) ?? text;
}
