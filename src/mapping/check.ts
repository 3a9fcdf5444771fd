// A checker for the subset of JSON Schema the mapping schema uses (type,
// enum, properties, required, additionalProperties, propertyNames, items,
// minLength, anyOf, local $ref). It reports the first mistake with the JSON
// path of the offending entry, which is what a user needs to fix a mapping;
// a general validator library would add a dependency for less precise paths.

type Schema = Record<string, unknown>;

export interface SchemaMistake {
  path: string;
  message: string;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(value: unknown, type: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  const actual = typeOf(value);
  return types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
}

export function pathOf(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

export function checkAgainstSchema(value: unknown, schema: Schema, root: Schema, path: string): SchemaMistake | undefined {
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.replace(/^#\//, '').split('/').reduce<unknown>((node, key) => (node as Schema)[key], root);
    return checkAgainstSchema(value, target as Schema, root, path);
  }
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf as Schema[];
    const branch = branches.find((b) => typeMatches(value, b.type));
    if (!branch) return { path, message: `expected ${branches.map((b) => b.type).join(' or ')}, found ${typeOf(value)}` };
    return checkAgainstSchema(value, branch, root, path);
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) {
    return { path, message: `${JSON.stringify(value)} is not one of ${(schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
  }
  if (schema.type !== undefined && !typeMatches(value, schema.type)) {
    return { path, message: `expected ${[schema.type].flat().join(' or ')}, found ${typeOf(value)}` };
  }
  if (typeof value === 'string' && typeof schema.minLength === 'number' && value.length < schema.minLength) {
    return { path, message: 'must not be empty' };
  }
  if (Array.isArray(value) && schema.items) {
    for (let i = 0; i < value.length; i++) {
      const mistake = checkAgainstSchema(value[i], schema.items as Schema, root, pathOf(path, i));
      if (mistake) return mistake;
    }
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!(key in object)) return { path, message: `"${key}" is required` };
    }
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, item] of Object.entries(object)) {
      const itemPath = pathOf(path, key);
      if (schema.propertyNames) {
        const mistake = checkAgainstSchema(key, schema.propertyNames as Schema, root, itemPath);
        if (mistake) return mistake;
      }
      const sub = (properties[key] ?? schema.additionalProperties) as Schema | boolean | undefined;
      if (sub === false || sub === undefined) {
        if (sub === false) return { path: itemPath, message: `unknown setting "${key}"; expected one of ${Object.keys(properties).join(', ')}` };
        continue;
      }
      if (sub === true) continue;
      const mistake = checkAgainstSchema(item, sub as Schema, root, itemPath);
      if (mistake) return mistake;
    }
  }
  return undefined;
}
