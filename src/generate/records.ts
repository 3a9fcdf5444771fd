// Synthetic ERP exports, derived from the declared contract: every column,
// type, enum and foreign key comes from src/schema. Keys follow a formula
// (model entry + index), so any record can name any parent without holding
// parents in memory, and every reference points at a record that exists.
// Defective records are extra records with keys of their own, so no good
// record ever refers to a rejected one.

import { ALL_MODELS, EXAMPLES, getModel, type Field, type Model } from '../schema/index.js';
import { csvCell } from '../sinks/format.js';
import type { ProblemCode } from '../validate/problems.js';

/** Text formats the generator writes. */
export type TextFormat = 'csv' | 'ndjson' | 'json';
/** Protobuf exports are generated as NDJSON text first, then encoded message by message. */
export type GenerateFormat = TextFormat | 'protobuf';

/** Kinds of defect the generator injects, named by the reject code the build gives them. */
export type DefectCode = Extract<ProblemCode, 'REQUIRED' | 'ENUM' | 'DATE' | 'NUMBER' | 'BOOLEAN' | 'MALFORMED'>;
export const DEFECT_CODES: readonly DefectCode[] = ['REQUIRED', 'ENUM', 'DATE', 'NUMBER', 'BOOLEAN', 'MALFORMED'];

export interface Defect {
  line: number;
  erpKey: string;
  code: DefectCode;
  field: string;
}

/** Scale of a generated export; every model's record count follows from it. */
export interface Scale {
  invoices: number;
  linesPerInvoice: number;
  payments?: number;
  companies?: number;
  journalEntries?: number;
  /** Record counts that override the derived ones, by model name. */
  counts?: Readonly<Record<string, number>>;
}

/** Record count of every model, parents first. */
export function modelCounts(scale: Scale): Map<Model, number> {
  const invoices = scale.invoices;
  const companies = scale.companies ?? Math.max(1, Math.ceil(invoices / 20));
  const payments = scale.payments ?? Math.ceil(invoices / 2);
  const journalEntries = scale.journalEntries ?? Math.ceil(invoices / 10);
  const accounts = 20;
  const derived: Record<string, number> = {
    Company: companies,
    Contact: companies,
    Invoice: invoices,
    InvoiceLine: invoices * scale.linesPerInvoice,
    Payment: payments,
    PaymentApplied: payments,
    CreditMemoApplied: Math.ceil(invoices / 20),
    CustomField: Math.ceil(invoices / 10),
    InvoiceWorkflowStatus: Math.ceil(invoices / 10),
    FinancialYearSetting: 1,
    FinancialAccount: accounts,
    FinancialAccountBalanceHistory: accounts * 12,
    BaseCurrency: 1,
    JournalEntry: journalEntries,
    JournalEntryLine: journalEntries * 2,
  };
  return new Map(ALL_MODELS.map((m) => [m, scale.counts?.[m.name] ?? derived[m.name] ?? 0]));
}

/**
 * The columns an ERP export carries: every field except the ones an ERP
 * cannot know (network ids, assigned by the Sage Network), onMatchAction
 * (optional, and its integer values are unpublished) and the per-line address blocks
 * that ERPs rarely export. For InvoiceLine that leaves 24 columns.
 */
export function exportedFields(model: Model): Field[] {
  return model.fields.filter(
    (f) => !(f.enumType !== undefined && !f.mustBePresent) && !/^(.+N|n)etworkId$/.test(f.name) && !/^(origin|billTo|shipTo)Address/.test(f.name),
  );
}

/** Fields numbered 1, 2, ... within their parent record. */
const SEQUENCE_FIELDS = new Set(['lineNumber', 'entryNumber', 'periodNumber']);

/** A small fast seeded generator (mulberry32): the same seed gives the same export. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)];
  }
}

export function recordKey(model: Model, index: number): string {
  return `${model.entry.toUpperCase()}-${index + 1}`;
}

/** Value of a referenced field other than erpKey (FinancialAccount.code). */
function referencedValue(model: Model, field: string, index: number): string {
  return field === 'erpKey' ? recordKey(model, index) : `${field.toUpperCase()}-${index + 1}`;
}

const WORDS = ['Widget', 'Bracket', 'Hinge', 'Valve', 'Cable', 'Panel', 'Sensor', 'Bolt', 'Filter', 'Gasket'];
const SIZES = ['small', 'large', '3/4"', '12"', 'XL'];
const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD'];
const CITIES = ['Springfield', 'Portland', 'Lyon', 'Leeds', 'Toronto'];

/** Free text with the commas and quotes real descriptions carry. */
function description(random: Random): string {
  const word = random.pick(WORDS);
  switch (random.int(4)) {
    case 0:
      return `${word}, ${random.pick(SIZES)}`;
    case 1:
      return `${word} "${random.pick(SIZES)}" grade, pack of ${1 + random.int(50)}`;
    case 2:
      return `${word} ${random.pick(SIZES)} - replacement part`;
    default:
      return `${word}`;
  }
}

function decimal(random: Random): string {
  const cents = random.int(10_000_000);
  const frac = cents % 100;
  return `${Math.floor(cents / 100)}.${frac < 10 ? '0' : ''}${frac}`;
}

function date(random: Random): string {
  const month = 1 + random.int(12);
  const day = 1 + random.int(28);
  return `2024-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** How one column gets its value: a function of the record index and the random stream. */
type ValueMaker = (index: number, random: Random) => string;

interface Column {
  field: Field;
  make: ValueMaker;
  /** Written as a bare JSON literal (number, boolean, object) in JSON formats. */
  literal: boolean;
}

interface Owner {
  /** The parent model records of this model belong to, in order (invoice lines to invoices). */
  model: Model;
  count: number;
  /** The reference that names the parent. */
  field: Field;
}

function ownerIndex(index: number, count: number, owner: Owner): number {
  return Math.floor((index * owner.count) / Math.max(1, count));
}

/** Every field a reference points at, as "Model.field": erpKeys, and FinancialAccount.code. */
const REFERENCED = new Set(
  ALL_MODELS.flatMap((m) => m.fields.map((f) => f.ref)).filter((ref): ref is string => ref !== undefined && ref !== 'tableKey'),
);

function valueMaker(model: Model, field: Field, count: number, counts: Map<Model, number>, owner: Owner | undefined): ValueMaker {
  const countOf = (m: Model) => Math.max(1, counts.get(m) ?? 0);
  if (field === model.keyField && field.ref === undefined) return (i) => recordKey(model, i);
  if (REFERENCED.has(`${model.name}.${field.name}`)) return (i) => referencedValue(model, field.name, i);
  if (field.ref === 'tableKey' || field.name === 'tableKey') {
    // CustomField's erpKey names a record of the model its tableKey gives: both follow the index.
    const tables = model.byName.get('tableKey')!.enum!;
    if (field.name === 'tableKey') return (i) => tables[i % tables.length];
    return (i, random) => {
      const target = getModel(tables[i % tables.length]);
      return recordKey(target, random.int(countOf(target)));
    };
  }
  if (field.ref !== undefined) {
    const [targetName, targetField] = field.ref.split('.');
    const target = getModel(targetName);
    // Other keys of the same parent (FinancialAccount's code beside its erpKey) name the same record.
    const toOwner = owner !== undefined && (field === owner.field || (owner.model === target && field.ref !== owner.field.ref));
    if (toOwner) return (i) => referencedValue(target, targetField, ownerIndex(i, count, owner));
    return (_i, random) => referencedValue(target, targetField, random.int(countOf(target)));
  }
  if (SEQUENCE_FIELDS.has(field.name)) {
    // A bounded sequence (periodNumber 1-13) starts again past its end.
    const span = field.max ?? Infinity;
    if (!owner) return (i) => String((i % span) + 1);
    return (i) => {
      const parent = ownerIndex(i, count, owner);
      return String(((i - Math.ceil((parent * count) / owner.count)) % span) + 1);
    };
  }
  if (field.enum) return (_i, random) => random.pick(field.enum!);
  const examples = (EXAMPLES as Record<string, readonly string[]>)[field.name];
  switch (field.type) {
    case 'decimal':
      return /Rate$/.test(field.name) ? (_i, random) => `1.${random.int(10)}${random.int(10)}25` : (_i, random) => decimal(random);
    case 'int':
      return /Year$/.test(field.name) ? () => '2024' : (_i, random) => String(random.int(4));
    case 'boolean':
      return (_i, random) => (random.int(2) === 0 ? 'true' : 'false');
    case 'uuid':
      return (_i, random) => {
        const hex = (n: number) => {
          let s = '';
          for (let k = 0; k < n; k++) s += '0123456789abcdef'[random.int(16)];
          return s;
        };
        return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
      };
    case 'datetime':
      return /^(created|modified)$/.test(field.name)
        ? (_i, random) => `${date(random)}T${10 + random.int(10)}:${10 + random.int(50)}:00Z`
        : (_i, random) => date(random);
    case 'monthDay':
      return field.name === 'endDate' ? () => '12-31' : () => '01-01';
    case 'json':
      return (_i, random) => `{"code":"VAT","rate":"0.${10 + random.int(15)}","amount":"${decimal(random)}"}`;
    case 'string':
      if (examples) return (_i, random) => random.pick(examples);
      if (/description|memo|notes|comment|specialTerms/i.test(field.name)) return (_i, random) => description(random);
      if (/currencyCode$/i.test(field.name)) return (_i, random) => random.pick(CURRENCIES);
      if (/city$/i.test(field.name)) return (_i, random) => random.pick(CITIES);
      if (/email/i.test(field.name)) return (i) => `ap${i + 1}@example.com`;
      if (/url$/i.test(field.name)) return (i) => `https://example.com/${model.entry}/${i + 1}`;
      // Text fields in an identity (CustomField's label) must differ between records.
      if (model.identity.some((part) => part === field.name)) return (i) => `${field.name} ${i + 1}`;
      return (_i, random) => `${field.name.replace(/[a-z]+/g, (s) => s[0]).toUpperCase()}${random.int(100_000)}`;
  }
}

/** One model's text, in chunks of about this many characters. */
const CHUNK_CHARS = 1 << 20;

export interface ModelChunk {
  text: string;
  /** Defects injected in this chunk, with the line each record starts on. */
  defects: Defect[];
}

export interface ModelTextOptions {
  format: GenerateFormat;
  seed: number;
  /** Share of extra, defective records, 0 to 1. */
  defectRate: number;
}

/** Defects a model can carry: each needs a field of the right kind. */
function defectTargets(model: Model, columns: readonly Column[], format: GenerateFormat): Map<DefectCode, Field[]> {
  const fields = columns.map((c) => c.field);
  const targets = new Map<DefectCode, Field[]>([
    // The key field stays filled so the reject names the record.
    ['REQUIRED', fields.filter((f) => f.mustBePresent && f !== model.keyField)],
    ['ENUM', fields.filter((f) => f.type === 'string' && f.enum)],
    ['DATE', fields.filter((f) => f.type === 'datetime')],
    ['NUMBER', fields.filter((f) => f.type === 'decimal')],
    // A protobuf bool cannot carry a bad flag.
    ['BOOLEAN', format === 'protobuf' ? [] : fields.filter((f) => f.type === 'boolean')],
    // CSV: an extra field; JSON: a missing comma. Either way the record cannot be read.
    ['MALFORMED', format === 'csv' || fields.length > 1 ? [fields[0]] : []],
  ]);
  for (const [code, list] of targets) if (list.length === 0) targets.delete(code);
  return targets;
}

const BAD_VALUE: Record<Exclude<DefectCode, 'REQUIRED' | 'MALFORMED'>, string> = {
  ENUM: 'Unknown, "legacy" value',
  DATE: '2024-02-30',
  NUMBER: '12,50 EUR',
  BOOLEAN: 'maybe',
};

/**
 * A model's export as text chunks. Pure: the same arguments give the same
 * text. Good records come first in index order; a defective record may be
 * slipped in before any of them, at the given rate.
 */
export function* modelText(model: Model, counts: Map<Model, number>, options: ModelTextOptions): Generator<ModelChunk> {
  const count = counts.get(model) ?? 0;
  const firstRef = model.fields.find((f) => f.ref !== undefined && f.ref !== 'tableKey' && f.mustBePresent) ??
    model.fields.find((f) => f.ref !== undefined && f.ref !== 'tableKey');
  const ownerModel = firstRef && getModel(firstRef.ref!.split('.')[0]);
  const owner = ownerModel && { model: ownerModel, count: Math.max(1, counts.get(ownerModel) ?? 0), field: firstRef };
  const columns: Column[] = exportedFields(model).map((field) => ({
    field,
    make: valueMaker(model, field, count, counts, owner),
    literal: field.type === 'decimal' || field.type === 'int' || field.type === 'boolean' || field.type === 'json',
  }));
  const random = new Random(options.seed ^ Math.imul(model.order + 1, 0x9e3779b1));
  const defectRandom = new Random(options.seed ^ Math.imul(model.order + 1, 0x85ebca6b));
  const targets = [...defectTargets(model, columns, options.format)];
  const keyColumn = columns.findIndex((c) => c.field === model.keyField);
  // Values other records point at; a defective record gets its own so none of them is ever referenced.
  const ownValues = columns.flatMap((c, index) =>
    c.field === model.keyField || REFERENCED.has(`${model.name}.${c.field.name}`) ? [index] : [],
  );
  const format = options.format;
  const values: string[] = new Array(columns.length);

  let text = '';
  let defects: Defect[] = [];
  let line = 1;
  if (format === 'csv') {
    text = columns.map((c) => c.field.name).join(',') + '\n';
    line = 2;
  } else if (format === 'json') {
    text = '[\n';
    line = 2;
  }
  let first = true;
  let defectCount = 0;

  /** One record from `values`; `omit` leaves a column out, `asText` writes one as a JSON string. */
  const record = (omit: number, asText: number, malformed: boolean): string => {
    if (format === 'csv') {
      let out = '';
      for (let c = 0; c < columns.length; c++) {
        if (c > 0) out += ',';
        if (c !== omit) out += csvCell(values[c]);
      }
      return malformed ? out + ',extra\n' : out + '\n';
    }
    let out = format === 'json' && !first ? ',{' : '{';
    let sep = '';
    for (let c = 0; c < columns.length; c++) {
      if (c === omit) continue;
      out += sep + JSON.stringify(columns[c].field.name) + ':';
      // A missing comma between two members: JSON.parse refuses the record.
      sep = malformed && c === 0 ? ' ' : ',';
      out += columns[c].literal && c !== asText ? values[c] : JSON.stringify(values[c]);
    }
    return out + '}\n';
  };

  const fill = (index: number): void => {
    for (let c = 0; c < columns.length; c++) values[c] = columns[c].make(index, random);
  };

  for (let i = 0; i < count; i++) {
    if (options.defectRate > 0 && targets.length > 0 && defectRandom.next() < options.defectRate) {
      fill(i);
      defectCount++;
      for (const c of ownValues) values[c] += `-BAD${defectCount}`;
      const erpKey = keyColumn >= 0 ? values[keyColumn] : '';
      const [code, fields] = defectRandom.pick(targets);
      const field = defectRandom.pick(fields);
      const c = columns.findIndex((col) => col.field === field);
      if (code !== 'REQUIRED' && code !== 'MALFORMED') values[c] = BAD_VALUE[code];
      text += record(code === 'REQUIRED' ? c : -1, c, code === 'MALFORMED');
      first = false;
      defects.push({ line, erpKey, code, field: code === 'MALFORMED' ? '' : field.name });
      line++;
    }
    fill(i);
    text += record(-1, -1, false);
    first = false;
    line++;
    if (text.length >= CHUNK_CHARS) {
      yield { text, defects };
      text = '';
      defects = [];
    }
  }
  if (format === 'json') text += ']\n';
  yield { text, defects };
}
