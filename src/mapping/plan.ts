// What a mapping changes in the plan: which entry applies to each input,
// which columns it reads, and which fields every model's output carries,
// nested children included. Found before any record is read.

import { UsageError } from '../errors.js';
import type { Field, Model } from '../schema/index.js';
import type { InputFormat } from '../sources/types.js';
import { resolveColumns, type ColumnResolution } from '../validate/columns.js';
import type { EntryMapping, Mapping, NestedMapping } from './load.js';

export interface MappedPlan {
  entry: EntryMapping;
  /** By-name keys of each nested child, in entry.nested order. */
  nested: { nested: NestedMapping; columns: ColumnResolution }[];
}

/** The model a mapping gives a file by its name, if any (before the file name is read as a model). */
export function mappedModel(mapping: Mapping | undefined, path: string): Model | undefined {
  return mapping?.fileEntry(path)?.model;
}

/** The entry that applies to an input: its files entry, else its model's entry. */
export function entryFor(mapping: Mapping | undefined, path: string, model: Model): EntryMapping | undefined {
  if (!mapping) return undefined;
  const byFile = mapping.fileEntry(path);
  return byFile ? byFile.compile(model) : mapping.modelEntry(model);
}

/**
 * Resolves a mapped input's columns: the mapping's sources must exist
 * (CSV), and the remaining columns or keys are read by name as without a
 * mapping, except where the mapping already supplies the field.
 */
export function planMapped(
  entry: EntryMapping,
  file: string,
  format: InputFormat,
  names: readonly string[],
): { columns: ColumnResolution; mapped: MappedPlan } {
  const kind = format === 'csv' ? 'header' : 'keys';
  if (format === 'csv' && entry.nested.length > 0) {
    throw new UsageError(`mapping.${entry.at}.nested: ${file} is CSV; nested records come only from JSON inputs`, 'MAPPING');
  }
  const errors: string[] = [];
  const sources = new Set<string>();
  for (const rule of entry.rules) {
    if (rule.source === undefined) continue;
    sources.add(format === 'csv' ? rule.source : rule.source.replace(/^\$\./, '').split('.')[0]);
    if (format === 'csv' && !names.includes(rule.source)) {
      errors.push(`column "${rule.source}" (mapping.${entry.at}.fields.${rule.field.name}) is not in the header`);
    }
  }
  const supplied = new Set(entry.rules.map((r) => r.field));
  const childArrays = new Set(entry.nested.map((n) => n.path[0]));
  const columns = resolveColumns(entry.model, names.filter((n) => !sources.has(n) && !childArrays.has(n)), kind, supplied);
  columns.errors.push(...errors);
  const nested = entry.nested.map((spec) => {
    for (const { parent } of spec.link) {
      if (!supplied.has(parent) && ![...columns.fields.values()].includes(parent)) {
        columns.errors.push(`${spec.model.name} records copy ${parent.name} from their parent, which this file does not supply`);
      }
    }
    const childSupplied = new Set([...spec.entry.rules.map((r) => r.field), ...spec.link.map((l) => l.child)]);
    return { nested: spec, columns: resolveColumns(spec.model, names, 'keys', childSupplied) };
  });
  return { columns, mapped: { entry, nested } };
}

/** Fields a mapped input supplies to each model's output, its own model first. */
export function mappedFields(mapped: MappedPlan): [Model, Field[]][] {
  const own: Field[] = mapped.entry.rules.map((r) => r.field);
  const out: [Model, Field[]][] = [[mapped.entry.model, own]];
  for (const { nested, columns } of mapped.nested) {
    out.push([nested.model, [...nested.entry.rules.map((r) => r.field), ...nested.link.map((l) => l.child), ...columns.fields.values()]]);
  }
  return out;
}
