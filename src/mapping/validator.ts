// The validator of a mapped input: one function per file that reads each
// output field from its declared source, applies the mapping's null tokens,
// trimming, defaults and value transforms, and checks the result against the
// contract, all in one pass per record. Nested arrays (invoice lines,
// payment applications) become records of their own model, with the link to
// the parent copied from the parent's output.

import type { Field, Model } from '../schema/index.js';
import { isNumberMark, numberText } from '../sources/json-number.js';
import type { JsonRecord, SourceBatch } from '../sources/types.js';
import { jsonText, type BatchValidator, type Cell, type Reject, type ValidatedBatch } from '../validate/compile.js';
import { problem, type Problem } from '../validate/problems.js';
import type { EntryMapping, FieldRule, NestedMapping } from './load.js';

/** Records of a child model split out of the parents of one batch. */
export interface ChildBatch {
  model: Model;
  rows: Cell[][];
  /** The line of each record's parent in the source file. */
  lines: number[];
  /** Each written record's key, for reports made later (TOO_LARGE). */
  keys: string[];
  rejects: Reject[];
}

export interface MappedBatch extends ValidatedBatch {
  children: ChildBatch[];
}

type Reader = (record: unknown) => unknown;

/** A reader for a JSON path ("customer.id"), compiled once. */
export function pathReader(path: readonly string[]): Reader {
  if (path.length === 1) {
    const key = path[0];
    return (record) => (record as JsonRecord)[key];
  }
  return (record) => {
    let node = record;
    for (let i = 0; i < path.length; i++) {
      if (node === null || typeof node !== 'object') return undefined;
      node = (node as JsonRecord)[path[i]];
    }
    return node;
  };
}

/** The source of every output column of one input, by rule. */
export function sourcesOf(entry: EntryMapping, byName: ReadonlyMap<string, Field>): Map<Field, FieldRule> {
  const sources = new Map(entry.rules.map((r) => [r.field, r]));
  for (const [name, field] of byName) if (!sources.has(field)) sources.set(field, entry.ruleFor(field, name));
  return sources;
}

interface Column {
  field: Field;
  required: boolean;
  rule: FieldRule | undefined;
  read: Reader | undefined;
  /** Output column of the parent whose value this child column copies, or -1. */
  parent: number;
}

type RecordMapper = (record: unknown, parentRow: readonly Cell[] | undefined) => { row: Cell[]; key: string; problems: Problem[] | undefined };

function compileMapper(
  model: Model,
  outputColumns: readonly Field[],
  sources: ReadonlyMap<Field, FieldRule>,
  readerFor: (rule: FieldRule) => Reader,
  links: readonly { child: Field; parentColumn: number }[] = [],
): RecordMapper {
  const columns: Column[] = outputColumns.map((field) => {
    const rule = sources.get(field);
    return {
      field,
      required: field.mustBePresent,
      rule,
      read: rule?.source === undefined ? undefined : readerFor(rule),
      parent: links.find((l) => l.child === field)?.parentColumn ?? -1,
    };
  });
  // Required fields this input supplies in no way: every record lacks them.
  const absent = model.fields.filter((f) => f.mustBePresent && !outputColumns.includes(f));
  const keyField = model.keyField;
  const n = columns.length;
  return (record, parentRow) => {
    const row: Cell[] = new Array(n).fill(null);
    let problems: Problem[] | undefined;
    let key = '';
    for (let c = 0; c < n; c++) {
      const column = columns[c];
      const rule = column.rule;
      let text: string | null = null;
      let raw: unknown;
      if (column.parent >= 0) text = parentRow![column.parent];
      else if (rule?.constant !== undefined) {
        row[c] = rule.constant;
        if (column.field === keyField) key = rule.constant;
        continue;
      } else if (column.read) {
        raw = column.read(record);
        if (raw === null || raw === undefined) text = null;
        else if (typeof raw === 'string') text = isNumberMark(raw) ? numberText(raw) : raw;
        else {
          const converted = jsonText(column, raw);
          if (typeof converted !== 'string') {
            (problems ??= []).push(converted);
            continue;
          }
          text = converted;
        }
        if (text !== null) {
          if (rule!.trim) text = text.trim();
          if (text === '' || (rule!.nullTokens.size > 0 && rule!.nullTokens.has(text.trim()))) text = null;
        }
      }
      if (column.field === keyField && text !== null) key = text;
      if (text === null) {
        if (rule?.fallback !== undefined) row[c] = rule.fallback;
        else if (column.required) (problems ??= []).push(problem('REQUIRED', column.field.name, `${column.field.name} is required`, ''));
        continue;
      }
      if (column.parent >= 0 || !rule) {
        row[c] = text;
        continue;
      }
      // A JSON number for a decimal, or a JSON boolean for a flag, is already in contract form: no locale applies.
      const native = column.field.type === 'decimal' ? typeof raw === 'number' || isNumberMark(raw) : column.field.type === 'boolean' && typeof raw === 'boolean';
      const convert = native ? rule.check : rule.convert;
      if (convert === null) {
        row[c] = text;
        continue;
      }
      const value = convert(text);
      if (value === undefined) (problems ??= []).push(rule.explain(text));
      else row[c] = value;
    }
    for (const field of absent) (problems ??= []).push(problem('REQUIRED', field.name, `${field.name} is required`, ''));
    return { row, key, problems };
  };
}

export interface MappedInput {
  model: Model;
  outputColumns: readonly Field[];
  entry: EntryMapping;
  /** Columns (CSV) or keys (JSON) read by their own name, besides the mapping's. */
  byName: ReadonlyMap<string, Field>;
}

export interface NestedOutput {
  nested: NestedMapping;
  outputColumns: readonly Field[];
  byName: ReadonlyMap<string, Field>;
}

function byLine(a: Reject, b: Reject): number {
  return a.line - b.line;
}

/** Validator for the CSV rows of a mapped input; `header` is the file's header. */
export function compileMappedRowValidator(input: MappedInput, header: readonly string[]): BatchValidator {
  const readerFor = (rule: FieldRule): Reader => {
    const index = header.indexOf(rule.source!);
    return (row) => (row as string[])[index];
  };
  const map = compileMapper(input.model, input.outputColumns, sourcesOf(input.entry, input.byName), readerFor);
  const width = header.length;
  return (batch: SourceBatch) => {
    if (batch.kind !== 'rows') throw new Error(`row validator given ${batch.kind}`);
    const out: ValidatedBatch = { rows: [], lines: [], rejects: batch.problems.map((p) => ({ line: p.line, key: '', problems: [p] })) };
    for (let r = 0; r < batch.rows.length; r++) {
      const record = batch.rows[r];
      if (record.length !== width) {
        out.rejects.push({
          line: batch.lines[r],
          key: '',
          problems: [problem('MALFORMED', '', `expected ${width} fields as in the header, found ${record.length}`, record.join(',').slice(0, 200))],
        });
        continue;
      }
      const { row, key, problems } = map(record, undefined);
      if (problems) out.rejects.push({ line: batch.lines[r], key, problems });
      else {
        out.rows.push(row);
        out.lines.push(batch.lines[r]);
      }
    }
    if (batch.problems.length > 0) out.rejects.sort(byLine);
    return out;
  };
}

/** Validator for the JSON records of a mapped input, splitting nested arrays into child batches. */
export function compileMappedObjectValidator(input: MappedInput, nested: readonly NestedOutput[]): (batch: SourceBatch) => MappedBatch {
  const readerFor = (rule: FieldRule): Reader => pathReader(rule.byName ? [rule.source!] : rule.source!.replace(/^\$\./, '').split('.'));
  const map = compileMapper(input.model, input.outputColumns, sourcesOf(input.entry, input.byName), readerFor);
  const children = nested.map(({ nested: spec, outputColumns, byName }) => ({
    model: spec.model,
    array: pathReader(spec.path),
    name: spec.path.join('.'),
    map: compileMapper(
      spec.model,
      outputColumns,
      sourcesOf(spec.entry, byName),
      readerFor,
      spec.link.map((l) => ({ child: l.child, parentColumn: input.outputColumns.indexOf(l.parent) })),
    ),
  }));
  return (batch: SourceBatch) => {
    if (batch.kind !== 'objects') throw new Error(`mapped object validator given ${batch.kind}`);
    const out: MappedBatch = {
      rows: [],
      lines: [],
      rejects: batch.problems.map((p) => ({ line: p.line, key: '', problems: [p] })),
      children: children.map((c) => ({ model: c.model, rows: [], lines: [], keys: [], rejects: [] })),
    };
    for (let r = 0; r < batch.objects.length; r++) {
      const record = batch.objects[r];
      const line = batch.lines[r];
      const { row, key, problems } = map(record, undefined);
      // Children are records of their own: a rejected parent still yields them, each judged on its own.
      for (let k = 0; k < children.length; k++) {
        const child = children[k];
        const target = out.children[k];
        const items = child.array(record);
        if (items === undefined || items === null) continue;
        if (!Array.isArray(items)) {
          target.rejects.push({ line, key: '', problems: [problem('TYPE', child.name, `${child.name} must be an array of ${child.model.name} records`, String(items).slice(0, 200))] });
          continue;
        }
        for (const item of items) {
          if (item === null || typeof item !== 'object' || Array.isArray(item)) {
            target.rejects.push({ line, key: '', problems: [problem('MALFORMED', child.name, `an element of ${child.name} must be a JSON object`, JSON.stringify(item).slice(0, 200))] });
            continue;
          }
          const mapped = child.map(item, row);
          if (mapped.problems) target.rejects.push({ line, key: mapped.key, problems: mapped.problems });
          else {
            target.rows.push(mapped.row);
            target.lines.push(line);
            target.keys.push(mapped.key);
          }
        }
      }
      if (problems) out.rejects.push({ line, key, problems });
      else {
        out.rows.push(row);
        out.lines.push(line);
      }
    }
    if (batch.problems.length > 0) out.rejects.sort(byLine);
    return out;
  };
}
