// Views derived from the declared contract. Nothing here restates a field.
import { MODELS } from './models.js';
import type { FieldOptions, FieldType, ModelDecl } from './types.js';

export { MODELS, ENUMS, EXAMPLES } from './models.js';
export type { FieldType, FieldOptions, ModelDecl, FieldDecl, IdentityPart } from './types.js';

export interface Field extends FieldOptions {
  name: string;
  type: FieldType;
  index: number;
  /** Required for the pipeline: the contract's required list minus onMatchAction, whose values are unpublished. */
  mustBePresent: boolean;
}

export interface Model {
  name: string;
  entry: string;
  batchProperty: string;
  /** Position in the parents-first output order. */
  order: number;
  identity: ModelDecl['identity'];
  fields: readonly Field[];
  byName: ReadonlyMap<string, Field>;
  /** Field whose value names the record in reports (erpKey, where the model has one). */
  keyField: Field | undefined;
}

const RELAXED_REQUIRED = new Set(['onMatchAction']);

function derive(decl: ModelDecl, order: number): Model {
  const fields = decl.fields.map(([name, type, options], index): Field => ({
    ...options,
    name,
    type,
    index,
    mustBePresent: options?.required === true && !RELAXED_REQUIRED.has(name),
  }));
  const byName = new Map(fields.map((f) => [f.name, f]));
  return {
    name: decl.name,
    entry: decl.entry,
    batchProperty: decl.batchProperty,
    order,
    identity: decl.identity,
    fields,
    byName,
    keyField: byName.get('erpKey'),
  };
}

/** Every model, parents first: the order in which models are read and written. */
export const ALL_MODELS: readonly Model[] = MODELS.map(derive);

const BY_NAME = new Map(ALL_MODELS.map((m) => [m.name, m]));

export function getModel(name: string): Model {
  const model = BY_NAME.get(name);
  if (!model) throw new Error(`unknown model ${name}`);
  return model;
}

/** Lower-case, without separators: the form in which names are compared loosely. */
export function looseName(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.]+/g, '');
}

function plural(word: string): string[] {
  if (word.endsWith('y')) return [word.slice(0, -1) + 'ies'];
  if (word.endsWith('s')) return [word + 'es'];
  return [word + 's'];
}

const MODEL_ALIASES: ReadonlyMap<string, Model> = (() => {
  const aliases = new Map<string, Model>();
  for (const model of ALL_MODELS) {
    const base = looseName(model.name);
    for (const form of [base, ...plural(base), looseName(model.batchProperty)]) {
      aliases.set(form, model);
      aliases.set(form + 'syncmodel', model);
      aliases.set(form + 'syncmodels', model);
    }
    aliases.set(looseName(model.entry), model);
  }
  return aliases;
})();

/** The model a file stem names: case, `_`, `-`, spaces, plurals and a SyncModel suffix ignored. */
export function modelForName(stem: string): Model | undefined {
  return MODEL_ALIASES.get(looseName(stem));
}

/** Names accepted for each model, for usage messages. */
export function acceptedModelNames(): string[] {
  return ALL_MODELS.map((m) => `${m.entry} (${m.name}, ${m.batchProperty})`);
}

/** Foreign keys declared on a model, resolved to their target model and field. */
export interface Reference {
  field: Field;
  /** Target model name, or undefined when the target is named per record by tableKey. */
  target: string | undefined;
  targetField: string;
}

export function referencesOf(model: Model): Reference[] {
  return model.fields
    .filter((f) => f.ref !== undefined)
    .map((f) => {
      if (f.ref === 'tableKey') return { field: f, target: undefined, targetField: 'erpKey' };
      const [target, targetField] = f.ref!.split('.');
      return { field: f, target, targetField };
    });
}
