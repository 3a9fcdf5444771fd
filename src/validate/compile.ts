// Record validators, compiled once per (model, input columns). Each turns a
// batch of raw records into output rows aligned to the model's output
// columns, plus the rejected records with every problem found.

import type { Field, Model } from '../schema/index.js';
import { isNumberMark, numberText, toJsonText } from '../sources/json-number.js';
import { fieldsOf } from '../sources/json-fields.js';
import type { SourceBatch } from '../sources/types.js';
import { converterFor, explain, type Converter } from './fields.js';
import { problem, type Problem } from './problems.js';

/** One output value: canonical text, or null for an empty cell / omitted key. */
export type Cell = string | null;

/**
 * One output row, its cells aligned to the output columns. `verbatim`, when
 * set, is the CSV line its cells format to, as the input gave it (see
 * CsvEngine.verbatim): whatever changes a cell afterwards must drop it.
 */
export type Row = Cell[] & { verbatim?: string };

export interface Reject {
  line: number;
  /** The record's erpKey (or other identity text) where it could be read. */
  key: string;
  problems: Problem[];
}

export interface ValidatedBatch {
  rows: Row[];
  lines: number[];
  rejects: Reject[];
}

export interface BatchValidator {
  (batch: SourceBatch): ValidatedBatch;
  /** Notes for the user gathered while validating (JSON keys renamed or ignored). */
  notes?: () => string[];
}

function byLine(a: Reject, b: Reject): number {
  return a.line - b.line;
}

interface CompiledColumn {
  field: Field;
  convert: Converter | null;
  required: boolean;
}

function compileColumns(columns: readonly Field[]): CompiledColumn[] {
  return columns.map((field) => ({ field, convert: converterFor(field), required: field.mustBePresent }));
}

function sourceProblems(batch: SourceBatch, rejects: Reject[]): void {
  for (const p of batch.problems) rejects.push({ line: p.line, key: '', problems: [p] });
}

/**
 * Validator for CSV rows. `header` is the file's header; `resolved` maps
 * header names to fields. Columns of the output that this file lacks are null.
 */
export function compileRowValidator(
  model: Model,
  outputColumns: readonly Field[],
  header: readonly string[],
  resolved: ReadonlyMap<string, Field>,
): BatchValidator {
  const columns = compileColumns(outputColumns);
  const width = header.length;
  const source = outputColumns.map((field) => header.findIndex((name) => resolved.get(name) === field));
  const keyIndex = model.keyField ? header.findIndex((name) => resolved.get(name) === model.keyField) : -1;
  const n = columns.length;
  // Output columns that are the input's, in its order: a record whose fields all pass unchanged is written as its own text.
  const sameLayout = n === width && source.every((i, c) => i === c);
  return (batch) => {
    if (batch.kind !== 'rows') throw new Error(`row validator given ${batch.kind}`);
    const verbatim = sameLayout ? batch.verbatim : undefined;
    const rows: Row[] = [];
    const lines: number[] = [];
    const rejects: Reject[] = [];
    sourceProblems(batch, rejects);
    const input = batch.rows;
    for (let r = 0; r < input.length; r++) {
      const row = input[r];
      if (row.length !== width) {
        rejects.push({
          line: batch.lines[r],
          key: keyIndex >= 0 && keyIndex < row.length ? row[keyIndex] : '',
          problems: [
            problem('MALFORMED', '', `expected ${width} fields as in the header, found ${row.length}`, row.join(',').slice(0, 200)),
          ],
        });
        continue;
      }
      const out: Row = new Array(n);
      let problems: Problem[] | undefined;
      let unchanged = verbatim !== undefined && verbatim[r] !== undefined;
      for (let c = 0; c < n; c++) {
        const i = source[c];
        if (i < 0) {
          out[c] = null;
          continue;
        }
        const text = row[i];
        const column = columns[c];
        if (text === '') {
          if (column.required) (problems ??= []).push(problem('REQUIRED', column.field.name, `${column.field.name} is required`, ''));
          out[c] = null;
          continue;
        }
        if (column.convert === null) {
          out[c] = text;
          continue;
        }
        const value = column.convert(text);
        if (value === undefined) (problems ??= []).push(explain(column.field, text));
        else if (value !== text) unchanged = false;
        out[c] = value ?? null;
      }
      if (problems) rejects.push({ line: batch.lines[r], key: keyIndex >= 0 ? row[keyIndex] : '', problems });
      else {
        if (unchanged) out.verbatim = verbatim![r];
        rows.push(out);
        lines.push(batch.lines[r]);
      }
    }
    if (batch.problems.length > 0) rejects.sort(byLine);
    return { rows, lines, rejects };
  };
}

/** Text of a JSON scalar for a field, or a problem for a value of the wrong kind. */
export function jsonText(column: { field: Field }, value: unknown): string | Problem {
  switch (typeof value) {
    case 'string':
      return isNumberMark(value) ? numberText(value) : value;
    case 'number':
      return numberText(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (column.field.type === 'json') return toJsonText(value);
      return problem('TYPE', column.field.name, `${column.field.name} must be a single value, not a JSON ${Array.isArray(value) ? 'array' : 'object'}`, toJsonText(value).slice(0, 200));
    default:
      return problem('TYPE', column.field.name, `unsupported JSON value for ${column.field.name}`, String(value));
  }
}

/**
 * Validator for JSON records, as objects or field lists. `resolved` maps
 * every key seen in the file to its field; keys it does not map were
 * reported before the run and are skipped.
 */
export function compileObjectValidator(
  model: Model,
  outputColumns: readonly Field[],
  resolved: ReadonlyMap<string, Field>,
): BatchValidator {
  const columns = compileColumns(outputColumns);
  const position = new Map<string, number>();
  for (const [key, field] of resolved) {
    const c = outputColumns.indexOf(field);
    if (c >= 0) position.set(key, c);
  }
  const n = columns.length;
  const keyField = model.keyField;
  // Required fields that no record of any input supplies: every record lacks them.
  const absent = model.fields.filter((f) => f.mustBePresent && !outputColumns.includes(f));
  const ignored = new Set<string>();
  const renamed = new Set<string>();
  // The column of the key last seen at each place of a field list. Records
  // of one shape repeat their keys, and the field scanner hands out the same
  // strings, so most keys are found by identity instead of a hash lookup.
  const lastNames: unknown[] = [];
  const lastColumns: (number | undefined)[] = [];
  const validator: BatchValidator = (batch) => {
    if (batch.kind === 'rows') throw new Error('object validator given rows');
    const rows: Cell[][] = [];
    const lines: number[] = [];
    const rejects: Reject[] = [];
    sourceProblems(batch, rejects);
    const input = batch.kind === 'fields' ? batch.records : batch.objects.map(fieldsOf);
    for (let r = 0; r < input.length; r++) {
      const fields = input[r];
      const out: Cell[] = new Array(n).fill(null);
      let problems: Problem[] | undefined;
      let key = '';
      for (let k = 0; k < fields.length; k += 2) {
        const name = fields[k] as string;
        let c: number | undefined;
        if (name === lastNames[k]) c = lastColumns[k];
        else {
          c = position.get(name);
          lastNames[k] = name;
          lastColumns[k] = c;
          if (c === undefined) ignored.add(name);
          else if (columns[c].field.name !== name) renamed.add(name);
        }
        if (c === undefined) continue;
        const value = fields[k + 1];
        if (value === null || value === undefined) continue;
        const column = columns[c];
        // A string that is no exact-number marker is its own text: the common case, tested first.
        const text = typeof value === 'string' && value.charCodeAt(0) !== 0 ? value : jsonText(column, value);
        if (typeof text !== 'string') {
          (problems ??= []).push(text);
          continue;
        }
        if (column.field === keyField) key = text;
        if (text === '') continue;
        if (column.convert === null) {
          out[c] = text;
          continue;
        }
        const converted = column.convert(text);
        if (converted === undefined) (problems ??= []).push(explain(column.field, text));
        out[c] = converted ?? null;
      }
      for (const field of absent) {
        (problems ??= []).push(problem('REQUIRED', field.name, `${field.name} is required`, ''));
      }
      for (let c = 0; c < n; c++) {
        if (columns[c].required && out[c] === null && !problems?.some((p) => p.field === columns[c].field.name)) {
          (problems ??= []).push(problem('REQUIRED', columns[c].field.name, `${columns[c].field.name} is required`, ''));
        }
      }
      if (problems) rejects.push({ line: batch.lines[r], key, problems });
      else {
        rows.push(out);
        lines.push(batch.lines[r]);
      }
    }
    if (batch.problems.length > 0) rejects.sort(byLine);
    return { rows, lines, rejects };
  };
  validator.notes = () => {
    const notes = [...renamed].map((key) => `key "${key}" read as "${resolved.get(key)!.name}"`);
    if (ignored.size > 0) notes.push(`ignored keys that ${model.name} does not define: ${[...ignored].slice(0, 20).join(', ')}`);
    return notes;
  };
  return validator;
}
