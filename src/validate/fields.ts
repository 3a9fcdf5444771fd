// Per-field converters, built once per field. A converter takes the text of
// one value and returns its canonical output text, or undefined when the
// value is not acceptable; `explain` then says why (only on that path).

import type { Field } from '../schema/index.js';
import {
  canonicalBoolean,
  canonicalDateTime,
  canonicalDecimal,
  canonicalInt32,
  canonicalMonthDay,
  canonicalUuid,
} from './scalars.js';
import { problem, type Problem } from './problems.js';

export type Converter = (text: string) => string | undefined;

function trimmed(check: Converter): Converter {
  // Surrounding blanks never change a number, flag or date, so they are dropped.
  return (text) => {
    const first = text.charCodeAt(0);
    const last = text.charCodeAt(text.length - 1);
    return check(first <= 32 || last <= 32 ? text.trim() : text);
  };
}

function ranged(check: Converter, field: Field): Converter {
  if (field.min === undefined && field.max === undefined && !field.enum) return check;
  const min = field.min ?? -Infinity;
  const max = field.max ?? Infinity;
  const allowed = field.enum ? new Set(field.enum) : undefined;
  return (text) => {
    const value = check(text);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (n < min || n > max) return undefined;
    if (allowed && !allowed.has(value)) return undefined;
    return value;
  };
}

/** The converter for a field, or null when its text passes through unchanged. */
export function converterFor(field: Field): Converter | null {
  switch (field.type) {
    case 'string': {
      if (field.reserved) {
        const reserved = [...field.reserved];
        return (text) => (reserved.some((c) => text.includes(c)) ? undefined : text);
      }
      if (!field.enum) return null;
      const allowed = new Set(field.enum);
      return (text) => (allowed.has(text) ? text : undefined);
    }
    case 'json':
      return null;
    case 'decimal':
      return trimmed(canonicalDecimal);
    case 'int':
      return ranged(trimmed(canonicalInt32), field);
    case 'boolean':
      return trimmed(canonicalBoolean);
    case 'uuid':
      return trimmed(canonicalUuid);
    case 'datetime':
      return trimmed(canonicalDateTime);
    case 'monthDay':
      return trimmed(canonicalMonthDay);
  }
}

/** Why `text` was refused for `field`. */
export function explain(field: Field, text: string): Problem {
  const shown = JSON.stringify(text.length > 60 ? text.slice(0, 60) + '…' : text);
  switch (field.type) {
    case 'string':
      if (field.reserved) {
        return problem('RESERVED', field.name, `${shown} contains ${[...field.reserved].map((c) => `"${c}"`).join(' or ')}, which the contract reserves in ${field.name}`, text);
      }
      return problem('ENUM', field.name, `${shown} is not one of: ${field.enum!.join(', ')}`, text);
    case 'decimal':
      return problem('NUMBER', field.name, `${shown} is not a plain decimal number (digits, optional sign and "." point)`, text);
    case 'int': {
      if (canonicalInt32(text.trim()) === undefined) {
        return problem('NUMBER', field.name, `${shown} is not a 32-bit integer`, text);
      }
      if (field.enum) return problem('ENUM', field.name, `${shown} is not one of: ${field.enum.join(', ')}`, text);
      return problem('RANGE', field.name, `${shown} is outside ${field.min}..${field.max}`, text);
    }
    case 'boolean':
      return problem('BOOLEAN', field.name, `${shown} is not true or false`, text);
    case 'uuid':
      return problem('UUID', field.name, `${shown} is not a UUID (8-4-4-4-12 hex digits)`, text);
    case 'datetime':
      return problem('DATE', field.name, `${shown} is not a real date as YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss[.fff]][Z|±hh:mm]`, text);
    case 'monthDay':
      return problem('DATE', field.name, `${shown} is not a real month and day as MM-DD`, text);
    case 'json':
      return problem('TYPE', field.name, `${shown} is not valid JSON`, text);
  }
}
