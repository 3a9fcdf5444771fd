// How the local sync service identifies and merges records, derived from the
// schema's declared identities (spec §2):
// - a model with identity fields is keyed by them within its app enrollment;
//   an alternative part ([financialAccountErpKey, financialAccountCode])
//   uses the first one present;
// - a model without identity that points at another record
//   (InvoiceWorkflowStatus) is a history log: each distinct row is its own
//   record, so an identical row is a skip and any other row an insert;
// - a model without identity or references (FinancialYearSetting,
//   BaseCurrency) holds one value per app enrollment: the latest row wins.

import type { Field, Model } from '../schema/index.js';
import type { Cell } from '../validate/compile.js';

export type RecordData = Record<string, string>;

export type IdentityOf = (values: ReadonlyMap<Field, Cell>) => string | undefined;

/** Compiles the identity function of a model; undefined from it means the row lacks an identity part. */
export function compileIdentity(model: Model): IdentityOf {
  if (model.identity.length > 0) {
    const parts = model.identity.map((part) => (typeof part === 'string' ? [part] : [...part]).map((name) => model.byName.get(name)!));
    return (values) => {
      const key: string[] = [];
      for (const alternatives of parts) {
        const field = alternatives.find((f) => (values.get(f) ?? null) !== null);
        if (!field) return undefined;
        key.push(alternatives.length > 1 ? `${field.name}=${values.get(field)}` : values.get(field)!);
      }
      return key.length === 1 ? key[0] : JSON.stringify(key);
    };
  }
  if (model.fields.some((f) => f.ref !== undefined)) {
    return (values) => JSON.stringify(model.fields.map((f) => values.get(f) ?? null));
  }
  return () => '';
}

/** The fields of a record in schema order: a stored value, overwritten by each supplied one (null clears). */
export function mergeRecord(model: Model, stored: RecordData | undefined, supplied: ReadonlyMap<Field, Cell>): RecordData {
  const merged: RecordData = {};
  for (const field of model.fields) {
    const value = supplied.has(field) ? supplied.get(field) : stored?.[field.name];
    if (value !== null && value !== undefined) merged[field.name] = value;
  }
  return merged;
}
