// The mapping file's JSON Schema, derived from the contract (model names
// come from the schema module). `sagesync mapping --schema` prints it, and
// the mapping loader checks every file against it (mapping/check.ts) before
// the checks a schema cannot state (field names per model, date formats).

import { ALL_MODELS } from '../schema/index.js';

type JsonSchema = Record<string, unknown>;

const strings: JsonSchema = { type: 'array', items: { type: 'string' } };
const scalar: JsonSchema = { type: ['string', 'number', 'boolean'] };

/** Settings that apply to every field of an entry unless the field overrides them. */
const valueSettings: Record<string, JsonSchema> = {
  nullTokens: { ...strings, description: 'values read as empty, compared after trimming (NULL, N/A, #N/A, 0000-00-00)' },
  trim: { type: 'boolean', description: 'trim surrounding blanks from text values (numbers, dates and flags are always trimmed)' },
  timezone: { type: 'string', minLength: 1, description: 'IANA zone of date-times written without an offset (Europe/Berlin)' },
  decimal: {
    type: 'object',
    additionalProperties: false,
    description: 'how decimal numbers are written in the source',
    properties: {
      decimalSeparator: { enum: ['.', ','] },
      groupSeparator: { enum: ['', '.', ',', ' ', "'"] },
      currencySymbols: strings,
      parenthesesNegative: { type: 'boolean', description: '(123.45) means -123.45' },
      trailingMinus: { type: 'boolean', description: '123.45- means -123.45' },
    },
  },
  booleans: {
    type: 'object',
    additionalProperties: false,
    description: 'words read as true or false, ignoring case',
    properties: { true: strings, false: strings },
  },
};

const dateFormat: JsonSchema = {
  type: 'string',
  minLength: 1,
  description: 'DD/MM/YYYY, MM/DD/YYYY HH:mm, YYYY-MM-DD HH:mm:ss.SSS, ... or "excel" (serial numbers) or "iso"',
};

const fieldRule: JsonSchema = {
  anyOf: [
    { type: 'string', minLength: 1, description: 'the source column (CSV) or JSON path (a.b.c)' },
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        source: { type: 'string', minLength: 1, description: 'the source column (CSV) or JSON path (a.b.c)' },
        constant: { ...scalar, description: 'the value of every record' },
        default: { ...scalar, description: 'the value when the source is empty or null' },
        format: dateFormat,
        values: { type: 'object', additionalProperties: { type: 'string' }, description: 'source value -> contract value ("AR": "AR Payment")' },
        ...valueSettings,
      },
    },
  ],
};

const modelName: JsonSchema = { enum: ALL_MODELS.map((m) => m.name) };

function entry(extra: Record<string, JsonSchema>, required: string[]): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required,
    properties: {
      ...extra,
      ...valueSettings,
      dateFormat,
      fields: { type: 'object', additionalProperties: { $ref: '#/$defs/field' }, description: 'SyncModel field -> its source' },
    },
  };
}

const nested: JsonSchema = entry(
  {
    path: { type: 'string', minLength: 1, description: 'JSON path of the array of child records (lines)' },
    model: modelName,
    link: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'child field -> parent field it copies (default: the child field that refers to the parent)',
    },
  },
  ['path', 'model'],
);

export function mappingJsonSchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://sagesync.dev/mapping.schema.json',
    title: 'sagesync mapping file',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      files: {
        type: 'array',
        description: 'per input file: the first entry whose match fits the file name applies',
        items: entry(
          {
            match: { type: 'string', minLength: 1, description: 'file name or glob (* and ?), compared with the base name, ignoring case' },
            model: modelName,
            nested: { type: 'array', items: nested, description: 'arrays of child records split into their own model (JSON inputs)' },
          },
          ['match'],
        ),
      },
      models: {
        type: 'object',
        description: 'per model: applies to files of that model that no files entry matches',
        propertyNames: modelName,
        additionalProperties: entry({ nested: { type: 'array', items: nested } }, []),
      },
    },
    $defs: { field: fieldRule },
  };
}
