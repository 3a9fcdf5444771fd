// Which output cells make up a record's identity and its references,
// compiled once per model and column set.
import { getModel, referencesOf, type Field, type Model } from '../schema/index.js';
import type { Cell } from '../validate/compile.js';
import type { Problem } from '../validate/problems.js';

/** Separates identity parts: the ASCII unit separator, which ERP keys do not use in practice. */
const PART = '\u001f';

export interface IdentityReader {
  /** Field names, for messages: "tableKey+erpKey+customFieldLabel". */
  label: string;
  /** The identity text of a row, or undefined when a part is missing. */
  text(row: readonly Cell[]): string | undefined;
}

/** The model's identity over these output columns; undefined when the contract names none. */
export function identityReader(model: Model, columns: readonly Field[]): IdentityReader | undefined {
  if (model.identity.length === 0) return undefined;
  const parts = model.identity.map((part) => (typeof part === 'string' ? [part] : [...part]).map((name) => columns.findIndex((f) => f.name === name)));
  const label = model.identity.map((part) => (typeof part === 'string' ? part : part.join('|'))).join('+');
  if (parts.length === 1 && parts[0].length === 1) {
    const c = parts[0][0];
    return { label, text: (row) => (c >= 0 ? (row[c] ?? undefined) : undefined) };
  }
  return {
    label,
    text(row) {
      let out = '';
      for (let p = 0; p < parts.length; p++) {
        const alternatives = parts[p];
        let value: Cell = null;
        let which = 0;
        for (; which < alternatives.length; which++) {
          const c = alternatives[which];
          if (c >= 0 && row[c] !== null) {
            value = row[c];
            break;
          }
        }
        if (value === null) return undefined;
        // An erpKey and a code with the same text are different identities.
        out += (p > 0 ? PART : '') + (alternatives.length > 1 ? which + ':' : '') + value;
      }
      return out;
    },
  };
}

/** One foreign-key column of the output, with the model it points at. */
export interface ColumnReference {
  field: Field;
  column: number;
  /** Target model, or undefined when the row's tableKey names it. */
  target: Model | undefined;
  targetField: string;
  /** Output column of tableKey, for references whose target varies per row. */
  tableKeyColumn: number;
  /**
   * The last value missing from a fixed target, and its ORPHAN problem. A
   * target's values are all known by the time a model is checked (earlier
   * models were read, the model itself and later ones pre-scanned), so a
   * repeat is missing again, and its problem, which names no row, serves
   * again.
   */
  lastMissing: string | undefined;
  lastOrphan: Problem | undefined;
  /** The ORPHAN reason, made once, when the target is fixed. */
  orphanReason: string | undefined;
  /** ORPHAN problems found for this reference so far. */
  orphans: number;
}

/**
 * The ORPHAN reason of a reference to `targetName`. It names no value (the
 * report has a column for that), so one text serves every orphan of the
 * reference: a delta whose children's parents are all elsewhere makes
 * every row a warning.
 */
export function orphanReason(field: Field, targetName: string, targetField: string): string {
  return `${field.name} names no ${targetName} (${targetName}.${targetField}) in this run`;
}

export function columnReferences(model: Model, columns: readonly Field[]): ColumnReference[] {
  const tableKeyColumn = columns.findIndex((f) => f.name === 'tableKey');
  return referencesOf(model)
    .map((ref) => ({
      field: ref.field,
      column: columns.indexOf(ref.field),
      target: ref.target === undefined ? undefined : getModel(ref.target),
      targetField: ref.targetField,
      tableKeyColumn,
      lastMissing: undefined,
      lastOrphan: undefined,
      orphanReason: ref.target === undefined ? undefined : orphanReason(ref.field, ref.target, ref.targetField),
      orphans: 0,
    }))
    .filter((ref) => ref.column >= 0);
}
