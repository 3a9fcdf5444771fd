/**
 * Stable codes for per-record problems. A record with a problem is rejected:
 * it goes to rejects.csv with its file, line, field, code and reason.
 */
export const CODES = {
  REQUIRED: 'a required field is missing or empty',
  NUMBER: 'not a plain decimal or integer number',
  BOOLEAN: 'not true or false',
  DATE: 'not a real ISO 8601 date or date-time',
  UUID: 'not a UUID',
  ENUM: 'not one of the recognised values',
  RANGE: 'outside the range the contract allows',
  TYPE: 'a JSON value of the wrong kind',
  MALFORMED: 'the record could not be parsed',
  TOO_LARGE: 'the record is larger than the configured limit',
  RESERVED: 'the value uses a character the contract reserves',
  KEY_COLLISION: 'two different keys are the same once normalised (--normalize-keys)',
} as const;

export type ProblemCode = keyof typeof CODES | (string & {});

/** One located problem; `value` is the raw input text, truncated when reported. */
export interface Problem {
  code: ProblemCode;
  field: string;
  reason: string;
  value: string;
}

export function problem(code: ProblemCode, field: string, reason: string, value: string): Problem {
  return { code, field, reason, value };
}
