import { looseName, type Field, type Model } from '../schema/index.js';

export interface ColumnResolution {
  /** The field each input column (or JSON key) feeds, or undefined when ignored. */
  fields: Map<string, Field>;
  /** Notes a user should see: renamed headers, ignored columns. */
  warnings: string[];
  /** File-level defects: a blank or duplicate header, a required column missing. */
  errors: string[];
}

/**
 * Matches input column names to the model's fields. An exact camelCase name
 * matches as is; a name that differs only in case, spaces, "_" or "-" is
 * accepted with a warning; anything else is ignored with a warning, because
 * the upload must never carry a column the contract does not define.
 */
export function resolveColumns(
  model: Model,
  names: Iterable<string>,
  kind: 'header' | 'keys',
  /** Fields a mapping file already supplies: a column of the same name is ignored. */
  supplied?: ReadonlySet<Field>,
): ColumnResolution {
  const loose = new Map(model.fields.map((f) => [looseName(f.name), f]));
  const fields = new Map<string, Field>();
  const claimedBy = new Map<Field, string>();
  const warnings: string[] = [];
  const errors: string[] = [];
  const ignored: string[] = [];
  let position = 0;
  for (const name of names) {
    position++;
    if (kind === 'header' && name.trim() === '') {
      errors.push(`column ${position} has a blank header`);
      continue;
    }
    let field = model.byName.get(name);
    if (!field) {
      field = loose.get(looseName(name));
      // JSON keys are only candidates (nested keys match too); the validator reports the real ones.
      if (field && kind === 'header') warnings.push(`column "${name}" read as "${field.name}"`);
    }
    if (!field || supplied?.has(field)) {
      ignored.push(name);
      continue;
    }
    const earlier = claimedBy.get(field);
    if (earlier !== undefined && earlier !== name) {
      errors.push(`columns "${earlier}" and "${name}" both name the field ${field.name}`);
      continue;
    }
    if (earlier === name && kind === 'header') {
      errors.push(`column "${name}" appears twice`);
      continue;
    }
    claimedBy.set(field, name);
    fields.set(name, field);
  }
  if (ignored.length > 0 && kind === 'header') {
    warnings.push(`ignored columns that ${model.name} does not define: ${ignored.slice(0, 20).join(', ')}${ignored.length > 20 ? ', …' : ''}`);
  }
  if (kind === 'header') {
    const missing = model.fields.filter((f) => f.mustBePresent && !claimedBy.has(f) && !supplied?.has(f)).map((f) => f.name);
    if (missing.length > 0) errors.push(`required column${missing.length > 1 ? 's' : ''} missing: ${missing.join(', ')}`);
  }
  return { fields, warnings, errors };
}
