// Loading a mapping file: parse, check against the mapping schema, then
// compile each entry for its model. Every mistake is a usage error that
// names the JSON path of the bad entry (mapping.files[0].fields.x.format),
// found before any record is read.

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import { getModel, type Field, type Model } from '../schema/index.js';
import { converterFor, explain, type Converter } from '../validate/fields.js';
import { problem, type Problem } from '../validate/problems.js';
import { checkAgainstSchema, pathOf } from './check.js';
import { mappingJsonSchema } from './schema.js';
import {
  AMBIGUOUS_DATE,
  booleanTransform,
  dateTransform,
  decimalTransform,
  SettingError,
  synonymTransform,
  type BooleanSettings,
  type DecimalSettings,
  type Transform,
} from './values.js';

type Scalar = string | number | boolean;

interface ValueSettings {
  nullTokens?: string[];
  trim?: boolean;
  timezone?: string;
  decimal?: DecimalSettings;
  booleans?: BooleanSettings;
}

interface FieldSpec extends ValueSettings {
  source?: string;
  constant?: Scalar;
  default?: Scalar;
  format?: string;
  values?: Record<string, string>;
}

interface EntrySpec extends ValueSettings {
  match?: string;
  model?: string;
  dateFormat?: string;
  fields?: Record<string, string | FieldSpec>;
  nested?: NestedSpec[];
}

interface NestedSpec extends EntrySpec {
  path: string;
  model: string;
  link?: Record<string, string>;
}

interface MappingSpec {
  files?: EntrySpec[];
  models?: Record<string, EntrySpec>;
}

/** How one output field gets its value, compiled for one entry. */
export interface FieldRule {
  field: Field;
  /** Source column (CSV) or JSON path (a.b.c); undefined for a constant. */
  source: string | undefined;
  /** A column or key read by its own name: a key, never a path, even with a "." in it. */
  byName: boolean;
  /** The value of every record, already checked. */
  constant: string | undefined;
  /** The value when the source is empty, null or a null token, already checked. */
  fallback: string | undefined;
  nullTokens: ReadonlySet<string>;
  trim: boolean;
  /** Declared transforms, then the contract's check; null when text passes unchanged. */
  convert: Converter | null;
  /** The contract's check alone, for JSON numbers and booleans, which need no locale. */
  check: Converter | null;
  /** Why a value was refused. */
  explain: (text: string) => Problem;
}

export interface NestedMapping {
  /** JSON path of the child array, split. */
  path: string[];
  model: Model;
  /** Child fields copied from the parent's output. */
  link: { child: Field; parent: Field }[];
  entry: EntryMapping;
}

export interface EntryMapping {
  model: Model;
  /** JSON path of the entry in the mapping file, for messages. */
  at: string;
  /** Fields the entry maps explicitly. */
  rules: FieldRule[];
  /** The rule for a column read by its name, with the entry's settings. */
  ruleFor(field: Field, source: string): FieldRule;
  nested: NestedMapping[];
}

export interface Mapping {
  /** The file the mapping came from. */
  file: string;
  /** The files entry matching a file name, with the model it names, if any. */
  fileEntry(path: string): { model: Model | undefined; compile(model: Model): EntryMapping } | undefined;
  /** The models entry for a model, if any. */
  modelEntry(model: Model): EntryMapping | undefined;
}

function mistake(path: string, message: string): UsageError {
  return new UsageError(`mapping.${path}: ${message}`, 'MAPPING');
}

function globPattern(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${source}$`, 'i');
}

function compiled<T>(at: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof SettingError) throw mistake(at, error.message);
    throw error;
  }
}

const DATE_KINDS = new Set(['datetime']);

/** Compiles one field's rule; `spec` is the field's object form (or {} for a column read by name). */
function compileRule(field: Field, source: string | undefined, spec: FieldSpec, entry: EntrySpec, at: string): FieldRule {
  const setting = <K extends keyof ValueSettings>(key: K): ValueSettings[K] => spec[key] ?? entry[key];
  const only = (key: keyof FieldSpec, kinds: ReadonlySet<string>, what: string): void => {
    if (spec[key] !== undefined && !kinds.has(field.type)) throw mistake(`${at}.${key}`, `${field.name} is a ${field.type} field; ${key} applies only to ${what}`);
  };
  only('format', DATE_KINDS, 'date-time fields');
  only('decimal', new Set(['decimal']), 'decimal fields');
  only('booleans', new Set(['boolean']), 'boolean fields');
  only('timezone', DATE_KINDS, 'date-time fields');

  const transforms: Transform[] = [];
  if (spec.values) transforms.push(synonymTransform(spec.values));
  let declared = '';
  if (field.type === 'datetime') {
    const format = spec.format ?? entry.dateFormat;
    const timezone = setting('timezone');
    // Each setting alone first, so a mistake names its own path; entry-wide ones were checked with the entry.
    if (spec.format !== undefined) compiled(`${at}.format`, () => dateTransform(spec.format!, undefined));
    if (spec.timezone !== undefined) compiled(`${at}.timezone`, () => dateTransform('iso', spec.timezone));
    if (format !== undefined || timezone !== undefined) {
      transforms.push(dateTransform(format ?? 'iso', timezone));
      if (format !== undefined) declared = format === 'excel' ? 'an Excel serial date (1900 date system)' : `in the declared format ${format}`;
    }
  } else if (field.type === 'decimal' && setting('decimal')) {
    const decimal = setting('decimal')!;
    transforms.push(compiled(`${at}.decimal`, () => decimalTransform(decimal)));
    declared = `a decimal as declared (point "${decimal.decimalSeparator ?? '.'}", grouping "${decimal.groupSeparator ?? ''}")`;
  } else if (field.type === 'boolean' && setting('booleans')) {
    transforms.push(compiled(`${at}.booleans`, () => booleanTransform(setting('booleans')!)));
  }
  const check = converterFor(field);
  let convert: Converter | null = check;
  if (transforms.length > 0) {
    convert = (text) => {
      let value: string | undefined = text;
      for (let i = 0; i < transforms.length && value !== undefined; i++) value = transforms[i](value);
      if (value === undefined) return undefined;
      return check === null ? value : check(value);
    };
  }
  const trim = setting('trim') ?? false;
  const explainValue = (text: string): Problem => {
    const base = explain(field, text);
    if (declared) return problem(base.code, field.name, `${JSON.stringify(text)} is not ${declared}`, text);
    if (field.type === 'datetime' && AMBIGUOUS_DATE.test(text)) {
      return problem('DATE', field.name, `${JSON.stringify(text)} is ambiguous (day and month order unknown); declare the field's "format" in the mapping`, text);
    }
    return base;
  };
  const rule: FieldRule = {
    field,
    source,
    byName: false,
    constant: undefined,
    fallback: undefined,
    nullTokens: new Set((setting('nullTokens') ?? []).map((t) => t.trim())),
    trim,
    convert,
    check,
    explain: explainValue,
  };
  const fixed = (key: 'constant' | 'default'): string | undefined => {
    const value = spec[key];
    if (value === undefined) return undefined;
    const text = String(value);
    // Written either as the source writes values or in the contract's own form.
    const converted = convert === null ? text : (convert(text) ?? check?.(text));
    if (converted === undefined) throw mistake(`${at}.${key}`, explainValue(text).reason);
    return converted;
  };
  rule.constant = fixed('constant');
  rule.fallback = fixed('default');
  return rule;
}

function compileEntry(spec: EntrySpec, model: Model, at: string): EntryMapping {
  // Entry-wide settings are checked here, so their mistakes name the entry's own path.
  if (spec.decimal) compiled(`${at}.decimal`, () => decimalTransform(spec.decimal!));
  if (spec.booleans) compiled(`${at}.booleans`, () => booleanTransform(spec.booleans!));
  if (spec.timezone !== undefined) compiled(`${at}.timezone`, () => dateTransform('iso', spec.timezone));
  if (spec.dateFormat !== undefined) compiled(`${at}.dateFormat`, () => dateTransform(spec.dateFormat!, undefined));
  const rules: FieldRule[] = [];
  for (const [name, value] of Object.entries(spec.fields ?? {})) {
    const fieldAt = pathOf(`${at}.fields`, name);
    const field = model.byName.get(name);
    if (!field) throw mistake(fieldAt, `${model.name} has no field "${name}"; its fields are ${model.fields.map((f) => f.name).join(', ')}`);
    const fieldSpec: FieldSpec = typeof value === 'string' ? { source: value } : value;
    if (fieldSpec.source === undefined && fieldSpec.constant === undefined) throw mistake(fieldAt, 'give a "source" or a "constant"');
    if (fieldSpec.source !== undefined && fieldSpec.constant !== undefined) throw mistake(fieldAt, '"source" and "constant" exclude each other');
    if (fieldSpec.constant !== undefined && fieldSpec.default !== undefined) throw mistake(fieldAt, '"default" has no use with a "constant"');
    rules.push(compileRule(field, fieldSpec.source, fieldSpec, spec, fieldAt));
  }
  const nested = (spec.nested ?? []).map((child, i) => compileNested(child, model, `${at}.nested[${i}]`));
  return {
    model,
    at,
    rules,
    ruleFor: (field, source) => ({ ...compileRule(field, source, {}, spec, pathOf(`${at}.fields`, field.name)), byName: true }),
    nested,
  };
}

function compileNested(spec: NestedSpec, parent: Model, at: string): NestedMapping {
  const model = getModel(spec.model);
  if (model.order <= parent.order) throw mistake(`${at}.model`, `${model.name} is not a child of ${parent.name}: children are written after their parents`);
  const link: NestedMapping['link'] = [];
  if (spec.link) {
    for (const [childName, parentName] of Object.entries(spec.link)) {
      const child = model.byName.get(childName);
      if (!child) throw mistake(pathOf(`${at}.link`, childName), `${model.name} has no field "${childName}"`);
      const parentField = parent.byName.get(parentName);
      if (!parentField) throw mistake(pathOf(`${at}.link`, childName), `${parent.name} has no field "${parentName}"`);
      link.push({ child, parent: parentField });
    }
  } else {
    // The child's required reference to its parent: InvoiceLine.invoiceErpKey, PaymentApplied.paymentErpKey.
    const child = model.fields.find((f) => f.ref === `${parent.name}.erpKey` && f.required);
    if (!child) throw mistake(at, `no field of ${model.name} refers to ${parent.name}; name it with "link"`);
    link.push({ child, parent: parent.byName.get('erpKey')! });
  }
  const entry = compileEntry(spec, model, at);
  for (const { child } of link) {
    if (entry.rules.some((r) => r.field === child)) throw mistake(pathOf(`${at}.fields`, child.name), `${child.name} is copied from the parent ("link"); do not map it`);
  }
  return { path: spec.path.replace(/^\$\./, '').split('.'), model, link, entry };
}

/** Checks and compiles a parsed mapping document; `file` names it in messages. */
export function compileMapping(document: unknown, file: string): Mapping {
  const schema = mappingJsonSchema();
  const found = checkAgainstSchema(document, schema, schema, 'mapping');
  if (found) throw new UsageError(`${file}: ${found.path}: ${found.message}`, 'MAPPING');
  const spec = document as MappingSpec;
  const withFile = <T>(make: () => T): T => {
    try {
      return make();
    } catch (error) {
      if (error instanceof UsageError) throw new UsageError(`${file}: ${error.message}`, 'MAPPING');
      throw error;
    }
  };
  const files = (spec.files ?? []).map((entry, i) => {
    const at = `files[${i}]`;
    const model = entry.model === undefined ? undefined : getModel(entry.model);
    const cache = new Map<Model, EntryMapping>();
    const compile = (m: Model): EntryMapping => {
      let done = cache.get(m);
      if (!done) cache.set(m, (done = withFile(() => compileEntry(entry, m, at))));
      return done;
    };
    // An entry that names its model is checked now, so its mistakes show even if no file matches.
    if (model) compile(model);
    return { pattern: withFile(() => compiled(`${at}.match`, () => globPattern(entry.match!))), model, compile };
  });
  const models = new Map<Model, EntryMapping>();
  for (const [name, entry] of Object.entries(spec.models ?? {})) {
    const model = getModel(name);
    models.set(model, withFile(() => compileEntry(entry, model, pathOf('models', name))));
  }
  return {
    file,
    fileEntry(path) {
      const name = basename(path);
      const entry = files.find((f) => f.pattern.test(name));
      return entry && { model: entry.model, compile: entry.compile };
    },
    modelEntry: (model) => models.get(model),
  };
}

export async function loadMapping(file: string): Promise<Mapping> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`--mapping ${file}: no such file`, 'MAPPING');
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON: ${(error as Error).message}`, 'MAPPING');
  }
  return compileMapping(document, file);
}
