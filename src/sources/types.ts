import type { Problem } from '../validate/problems.js';

export type InputFormat = 'csv' | 'ndjson' | 'json' | 'protobuf';

/** A problem tied to the physical line where its record starts. */
export interface LocatedProblem extends Problem {
  line: number;
}

/** Records are plain objects in JSON inputs; their number tokens may be exact-number markers. */
export type JsonRecord = Record<string, unknown>;

/**
 * A JSON object as its keys and values in order: [key, value, key, value, ...].
 * Read by the field scanner (json-fields.ts), a value is the text of a string,
 * number or boolean, or null; taken from a parsed object, it is what
 * JSON.parse gave, numbers as exact-number markers.
 */
export type FieldList = unknown[];

/**
 * The unit that flows between stages: a batch of records with the line each
 * one starts on, plus the records that could not be parsed at all. Batches
 * follow input chunks (about 120 KiB), so stream hops are paid per batch.
 */
export type SourceBatch =
  | { kind: 'rows'; rows: string[][]; lines: number[]; verbatim?: (string | undefined)[]; problems: LocatedProblem[] }
  | { kind: 'objects'; objects: JsonRecord[]; lines: number[]; problems: LocatedProblem[] }
  | { kind: 'fields'; records: FieldList[]; lines: number[]; problems: LocatedProblem[] };

/**
 * What the JSON and protobuf engines collect between two take() calls:
 * parsed records, the line (or message number) of each, and the records
 * that could not be parsed.
 */
export class RecordCollector {
  objects: JsonRecord[] = [];
  /** Records collected as field lists instead of objects, by engines asked to. */
  fields: FieldList[] = [];
  lines: number[] = [];
  problems: LocatedProblem[] = [];

  /** Hands over what was collected since the last call. */
  take(): { objects: JsonRecord[]; fields: FieldList[]; lines: number[]; problems: LocatedProblem[] } {
    const out = { objects: this.objects, fields: this.fields, lines: this.lines, problems: this.problems };
    this.objects = [];
    this.fields = [];
    this.lines = [];
    this.problems = [];
    return out;
  }
}
