// The subset of the Sage Network query language the local service answers:
// "field op value" terms joined by "and", with op one of eq ne gt ge lt le
// and value a quoted string, a number, true, false or null. Field names
// match without regard to case. Enough for "created ge '...' and
// currentBatch eq 2", which is what a careful client asks before re-sending.

export type Predicate = (row: object) => boolean;

const TERM = /^\s*([A-Za-z][A-Za-z0-9]*)\s+(eq|ne|gt|ge|lt|le)\s+('(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false|null|[0-9a-fA-F-]{36})\s*$/i;

export class QueryError extends Error {}

function literal(text: string): unknown {
  if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (/^-?\d/.test(text) && text.length !== 36) return Number(text);
  return text;
}

function compare(a: unknown, b: unknown): number | undefined {
  if (a === null || a === undefined || b === null) return a === b || (a === undefined && b === null) ? 0 : undefined;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b ? 0 : undefined;
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function field(row: object, name: string): unknown {
  const values = row as Record<string, unknown>;
  if (name in values) return values[name];
  const key = Object.keys(values).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : values[key];
}

export function parseFilter(filter: string | null): Predicate {
  if (!filter || filter.trim() === '') return () => true;
  const terms = filter.split(/\s+and\s+/i).map((text) => {
    const m = TERM.exec(text);
    if (!m) throw new QueryError(`cannot read the filter term "${text.trim()}"`);
    const [, name, op, value] = m;
    const expected = literal(value);
    return (row: object) => {
      const c = compare(field(row, name), expected);
      switch (op.toLowerCase()) {
        case 'eq': return c === 0;
        case 'ne': return c !== 0;
        case 'gt': return c !== undefined && c > 0;
        case 'ge': return c !== undefined && c >= 0;
        case 'lt': return c !== undefined && c < 0;
        default: return c !== undefined && c <= 0;
      }
    };
  });
  return (row) => terms.every((term) => term(row));
}

/** "created desc", "currentBatch asc": a comparator for sorting rows. */
export function parseOrder(order: string | null): (a: object, b: object) => number {
  if (!order || order.trim() === '') return () => 0;
  const m = /^\s*([A-Za-z][A-Za-z0-9]*)(?:\s+(asc|desc))?\s*$/i.exec(order);
  if (!m) throw new QueryError(`cannot read the order "${order}"`);
  const sign = m[2]?.toLowerCase() === 'desc' ? -1 : 1;
  return (a, b) => sign * (compare(field(a, m[1]), field(b, m[1])) ?? 0);
}
