// Delta windows: --since <date-time> or --window 48h, as a lower bound on
// `modified` in milliseconds since the epoch.
import { UsageError } from '../errors.js';
import type { Field } from '../schema/index.js';
import type { Cell } from '../validate/compile.js';
import { canonicalDateTime } from '../validate/scalars.js';

const WINDOW = /^(\d+)(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Milliseconds of a canonical date-time. Values without a zone are read as
 * UTC, so the result does not depend on the machine's time zone.
 */
export function instantOf(text: string): number {
  return Date.parse(text.length > 10 && !HAS_ZONE.test(text) ? text + 'Z' : text);
}

export function parseSince(text: string): number {
  const canonical = canonicalDateTime(text);
  if (canonical === undefined) throw new UsageError(`--since: "${text}" is not an ISO 8601 date or date-time`);
  return instantOf(canonical);
}

/** The start of a window such as 48h, 90m or 7d that ends at `now`. */
export function windowStart(text: string, now: number): number {
  const m = WINDOW.exec(text);
  if (!m || +m[1] === 0) throw new UsageError(`--window: "${text}" must be a positive number of minutes, hours or days (90m, 48h, 7d)`);
  return now - +m[1] * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** A test over output rows: false for a record whose `modified` is before the window. */
export function windowFilter(columns: readonly Field[], since: number): (row: readonly Cell[]) => boolean {
  const c = columns.findIndex((f) => f.name === 'modified');
  if (c < 0) return () => true;
  return (row) => {
    const modified = row[c];
    return modified === null || instantOf(modified) >= since;
  };
}
