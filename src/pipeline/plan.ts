// Before any record is read: find the inputs, name their models, read each
// CSV header and each JSON file's keys, and fix the output columns of every
// model. File-level defects are all found here, so a run that cannot succeed
// stops before it writes anything.

import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { ALL_MODELS, type Field, type Model } from '../schema/index.js';
import { csvBatches, type CsvHeader } from '../sources/csv.js';
import { detectInput, isInputFileName, type InputFile } from '../sources/detect.js';
import { scanJsonFileKeys } from '../sources/json-keys.js';
import { scanProtobufKeys } from '../sources/protobuf.js';
import { estimateRecords } from '../sources/estimate.js';
import { readBytes, readText, type ReadOptions } from '../sources/read.js';
import { resolveColumns, type ColumnResolution } from '../validate/columns.js';
import type { Mapping } from '../mapping/load.js';
import { entryFor, mappedFields, mappedModel, planMapped, type MappedPlan } from '../mapping/plan.js';

export interface PlannedInput extends InputFile {
  columns: ColumnResolution;
  /** CSV only: the header as read. */
  header?: CsvHeader;
  bytes: number;
  /** The mapping entry that applies to this input, if any. */
  mapped?: MappedPlan;
  /** Modification time when planned; compared again once the file is read. */
  mtimeMs: number;
  /** Records the file probably holds (CSV and NDJSON), for sizing key indexes. */
  estimatedRecords?: number;
}

export interface Plan {
  /** Inputs in processing order: parents first, then command-line order. */
  inputs: PlannedInput[];
  /** Columns written for each model: every field some input supplies, in contract order. */
  outputColumns: Map<Model, Field[]>;
  warnings: string[];
}

export interface PlanOptions extends ReadOptions {
  /** Paths whose model is given explicitly (--input Model=path). */
  explicit: { path: string; model: Model }[];
  delimiter?: string;
  maxRecordChars: number;
  mapping?: Mapping;
}

const OWN_OUTPUTS = /^(rejects\.csv|warnings\.csv|manifest\.json|upload-state\.json|batch-\d{4,}\.json)$/;

async function expand(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new UsageError(`${path}: no such file or folder`);
  }
  if (!info.isDirectory()) return [path];
  // A folder may also hold what an earlier run wrote there (build or validate with --out
  // inside the input folder); those files are reports, never exports.
  const names = (await readdir(path)).filter((name) => !name.startsWith('.') && !OWN_OUTPUTS.test(name)).sort();
  return names.map((name) => join(path, name)).filter(isInputFileName);
}

/**
 * The header of a CSV file, or why it cannot be read. A broken first record
 * must stop the file: otherwise the next record would pass for the header.
 */
async function readHeader(file: InputFile, options: PlanOptions): Promise<{ header?: CsvHeader; error?: string }> {
  let header: CsvHeader | undefined;
  const texts = readText(file, options);
  for await (const batch of csvBatches(texts, { delimiter: options.delimiter, maxRecordChars: options.maxRecordChars }, (h) => {
    header = h;
  })) {
    const broken = batch.problems.find((p) => header === undefined || p.line < header.line);
    if (broken) {
      const why = broken.code === 'TOO_LARGE' ? 'is longer than --max-record-bytes' : `cannot be read: ${broken.reason}`;
      return { error: `the header line (line ${broken.line}) ${why}` };
    }
    if (header) break;
  }
  return { header };
}

export async function planInputs(paths: readonly string[], options: PlanOptions): Promise<Plan> {
  const found: InputFile[] = [];
  // A mapping file kept beside the exports is not an input.
  const mappingFile = options.mapping && resolve(options.mapping.file);
  for (const path of paths) {
    for (const file of await expand(path)) {
      if (resolve(file) !== mappingFile) found.push(detectInput(file, mappedModel(options.mapping, file)));
    }
  }
  for (const { path, model } of options.explicit) {
    for (const file of await expand(path)) found.push(detectInput(file, model));
  }
  if (found.length === 0) {
    throw new UsageError('no input files: give CSV, NDJSON/JSONL, JSON or protobuf exports, or folders that hold them');
  }
  const seen = new Set<string>();
  const warnings: string[] = [];
  const errors: string[] = [];
  const inputs: PlannedInput[] = [];
  for (const file of found) {
    if (seen.has(file.path)) continue;
    seen.add(file.path);
    const { size: bytes, mtimeMs } = await stat(file.path);
    let columns: ColumnResolution;
    let header: CsvHeader | undefined;
    let mapped: MappedPlan | undefined;
    const entry = entryFor(options.mapping, file.path, file.model);
    if (file.format === 'csv') {
      const read = await readHeader(file, options);
      header = read.header;
      if (read.error) errors.push(`${file.path}: ${read.error}`);
      if (entry) ({ columns, mapped } = planMapped(entry, file.path, file.format, header?.names ?? []));
      else columns = resolveColumns(file.model, header?.names ?? [], 'header');
      if (header?.delimiterFrom === 'detected' && header.delimiter !== ',') {
        warnings.push(`${file.path}: delimiter ${JSON.stringify(header.delimiter)} detected from the header line (--delimiter sets it)`);
      }
      // An empty file has no header and no records: nothing to complain about.
      if (!header) columns.errors.length = 0;
    } else {
      const keys =
        file.format === 'protobuf'
          ? await scanProtobufKeys(readBytes(file, options), file.model, { maxRecordBytes: options.maxRecordChars })
          : await scanJsonFileKeys(file, bytes, options);
      if (entry) ({ columns, mapped } = planMapped(entry, file.path, file.format, [...keys]));
      else columns = resolveColumns(file.model, keys, 'keys');
    }
    for (const w of columns.warnings) warnings.push(`${file.path}: ${w}`);
    for (const e of columns.errors) errors.push(`${file.path}: ${e}`);
    inputs.push({ ...file, columns, header, bytes, mtimeMs, mapped, estimatedRecords: await estimateRecords(file, bytes) });
  }
  if (errors.length > 0) {
    throw new DataError('FILE_INVALID', `cannot read ${errors.length === 1 ? 'an input' : `${errors.length} inputs`}: ${errors.join('; ')}`);
  }
  inputs.sort((a, b) => a.model.order - b.model.order);
  const outputColumns = new Map<Model, Field[]>();
  const supplied = new Map<Model, Set<Field>>();
  const supply = (model: Model, fields: Iterable<Field>): void => {
    const used = supplied.get(model) ?? new Set<Field>();
    for (const f of fields) used.add(f);
    supplied.set(model, used);
  };
  for (const input of inputs) {
    supply(input.model, input.columns.fields.values());
    for (const [model, fields] of input.mapped ? mappedFields(input.mapped) : []) supply(model, fields);
  }
  for (const model of ALL_MODELS) {
    const used = supplied.get(model);
    if (used) outputColumns.set(model, model.fields.filter((f) => used.has(f)));
  }
  return { inputs, outputColumns, warnings };
}
