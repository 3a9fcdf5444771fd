/**
 * Field kinds, as the pipeline sees them:
 * - decimal: OpenAPI double/float; carried as an exact decimal string.
 * - datetime: OpenAPI date-time; a date-only value keeps its calendar day.
 * - monthDay: FinancialYearSetting start/end, written "MM-DD".
 * - json: a JSON document carried as text (taxSummary, dimensions, ...).
 */
export type FieldType = 'string' | 'decimal' | 'int' | 'boolean' | 'uuid' | 'datetime' | 'monthDay' | 'json';

export interface FieldOptions {
  required?: true;
  /** Exact recognised values (the contract's "Recognized values"). */
  enum?: readonly string[];
  /** Integer enum whose values are unpublished (MatchAction, ...). */
  enumType?: string;
  /** Foreign key: 'Model.field', or 'tableKey' for CustomField's polymorphic erpKey. */
  ref?: string;
  /** Characters the contract reserves in this field (Contact erpKey: "|" marks synthetic keys). */
  reserved?: string;
  min?: number;
  max?: number;
  /** OpenAPI float rather than double; still carried exactly. */
  precision?: 'float';
  /** Kept for the seeds although newer SDKs dropped it. */
  seed?: true;
  deprecated?: true;
}

export type FieldDecl = readonly [name: string, type: FieldType, options?: FieldOptions];

/** One identity part: a field, or alternatives where the first present one counts. */
export type IdentityPart = string | readonly string[];

export interface ModelDecl {
  /** Model name without the SyncModel suffix. */
  name: string;
  /** ZIP entry base name (company -> company.csv / company.jsonl). */
  entry: string;
  /** Property of the BatchSyncModel JSON document. */
  batchProperty: string;
  /** Fields that identify a record within one app enrollment; empty when the contract names none. */
  identity: readonly IdentityPart[];
  fields: readonly FieldDecl[];
}
