// Output line formatters, compiled once per model and column set.
import type { Field } from '../schema/index.js';
import type { Row } from '../validate/compile.js';

export type EntryFormat = 'csv' | 'jsonl';

export interface LineFormatter {
  /** File-name extension of the entry. */
  extension: string;
  /** Text that opens every entry (the CSV header line), possibly empty. */
  header: string;
  /** One record as a complete line, newline included. */
  line(row: Readonly<Row>): string;
}

// A cell of blanks only is quoted too: common readers take it unquoted as empty.
export const NEEDS_QUOTES = /[",\r\n]|^\s+$/;
const QUOTES = /"/g;

export function csvCell(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(QUOTES, '""')}"` : text;
}

/** Kinds whose canonical text never needs CSV quoting. */
const PLAIN_KINDS = new Set(['decimal', 'int', 'boolean', 'uuid', 'datetime', 'monthDay']);

export function csvFormatter(columns: readonly Field[]): LineFormatter {
  const plain = columns.map((f) => PLAIN_KINDS.has(f.type));
  const n = columns.length;
  // One reused array joined at once: a flat string, where appending cell by
  // cell builds a rope that costs more to flatten later than to build.
  const cells: string[] = new Array(n);
  const last = n - 1;
  return {
    extension: 'csv',
    header: columns.map((f) => f.name).join(',') + '\n',
    line(row) {
      if (row.verbatim !== undefined) return row.verbatim;
      if (n === 0) return '\n';
      for (let c = 0; c < n; c++) {
        const v = row[c];
        cells[c] = v === null ? '' : plain[c] ? v : csvCell(v);
      }
      cells[last] += '\n';
      return cells.join(',');
    },
  };
}

/** Kinds written as bare JSON literals; their canonical text is already valid JSON. */
const LITERAL_KINDS = new Set(['decimal', 'int', 'boolean']);

export function jsonlFormatter(columns: readonly Field[]): LineFormatter {
  const prefixes = columns.map((f) => JSON.stringify(f.name) + ':');
  const literal = columns.map((f) => LITERAL_KINDS.has(f.type));
  const n = columns.length;
  return {
    extension: 'jsonl',
    header: '',
    line(row) {
      // Joined once, like CSV lines: appending member by member builds a rope.
      const members: string[] = [];
      for (let c = 0; c < n; c++) {
        const v = row[c];
        if (v !== null) members.push(prefixes[c] + (literal[c] ? v : JSON.stringify(v)));
      }
      return '{' + members.join(',') + '}\n';
    },
  };
}

export function formatterFor(format: EntryFormat, columns: readonly Field[]): LineFormatter {
  return format === 'csv' ? csvFormatter(columns) : jsonlFormatter(columns);
}
