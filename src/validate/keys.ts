// Key values (erpKey and the keys that refer to other records) with blanks at
// either end or zero-width characters look equal to people but not to Sage
// Network. They are sent unchanged unless --normalize-keys is given, and
// reported either way; normalising must not merge two records into one key.

import type { Field, Model } from '../schema/index.js';
import type { Row, ValidatedBatch } from './compile.js';
import { problem, type Problem } from './problems.js';

const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;
const SUSPECT = /^\s|\s$|[\u200B-\u200D\u2060\uFEFF]/;

export function normalizeKey(text: string): string {
  return text.replace(ZERO_WIDTH, '').trim();
}

function isKeyField(field: Field): boolean {
  return field.name === 'erpKey' || (field.ref !== undefined && field.type === 'string');
}

/**
 * Checks (and with `normalize`, fixes) the key columns of validated batches
 * of one model. Two different input keys that normalise to the same key are
 * a collision: the later record is rejected. Collisions are found among the
 * keys normalisation changed, and between an unchanged key and a changed one
 * seen before it; remembering only changed keys keeps memory bounded.
 */
export class KeyGuard {
  private readonly columns: number[];
  private readonly fields: readonly Field[];
  private readonly identity: number;
  private suspect = 0;
  private example: { line: number; value: string } | undefined;
  /** Normalised identity key -> the input text it came from, for keys normalisation changed. */
  private readonly changed = new Map<string, string>();

  constructor(
    model: Model,
    outputColumns: readonly Field[],
    private readonly normalize: boolean,
  ) {
    this.fields = outputColumns;
    this.columns = outputColumns.flatMap((f, i) => (isKeyField(f) ? [i] : []));
    this.identity = model.keyField ? outputColumns.indexOf(model.keyField) : -1;
  }

  /** Applies the check to `batch` in place; records whose key cannot stand move to its rejects. */
  apply(batch: ValidatedBatch): void {
    if (this.columns.length === 0) return;
    const rows: Row[] = [];
    const lines: number[] = [];
    let rejected = false;
    for (let r = 0; r < batch.rows.length; r++) {
      const row = batch.rows[r];
      const line = batch.lines[r];
      const rawKey = this.identity >= 0 ? (row[this.identity] ?? '') : '';
      let failure: Problem | undefined;
      for (const c of this.columns) {
        const value = row[c];
        if (value === null) continue;
        const suspect = SUSPECT.test(value);
        if (!suspect && !this.normalize) continue;
        if (suspect) {
          this.suspect++;
          this.example ??= { line, value };
        }
        if (!this.normalize) continue;
        const key = suspect ? normalizeKey(value) : value;
        const field = this.fields[c];
        if (key === '' && field.mustBePresent) failure ??= problem('REQUIRED', field.name, `${field.name} is empty once normalised (--normalize-keys)`, value);
        if (c === this.identity) {
          const earlier = this.changed.get(key);
          if (earlier !== undefined && earlier !== value) {
            failure ??= problem('KEY_COLLISION', field.name, `${JSON.stringify(value)} and ${JSON.stringify(earlier)} are the same key once normalised (--normalize-keys)`, value);
          } else if (suspect) this.changed.set(key, value);
        }
        if (key !== value) {
          row[c] = key === '' ? null : key;
          row.verbatim = undefined;
        }
      }
      if (failure) {
        batch.rejects.push({ line, key: rawKey, problems: [failure] });
        rejected = true;
        continue;
      }
      rows.push(row);
      lines.push(line);
    }
    if (!rejected) return;
    batch.rows = rows;
    batch.lines = lines;
    batch.rejects.sort((a, b) => a.line - b.line);
  }

  /** What the user should know about the keys seen, if anything. */
  notes(): string[] {
    if (this.suspect === 0) return [];
    const first = `first on line ${this.example!.line}: ${JSON.stringify(this.example!.value)}`;
    return this.normalize
      ? [`${this.suspect} key values had blanks at an end or zero-width characters and were normalised (--normalize-keys); ${first}`]
      : [`${this.suspect} key values have blanks at an end or zero-width characters and are sent unchanged (--normalize-keys trims them); ${first}`];
  }
}
