// Before any record is read: find the inputs, name their models, read each
// CSV header and each JSON file's keys, and fix the output columns of every
// model. File-level defects are all found here, so a run that cannot succeed
// stops before it writes anything.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { ALL_MODELS, type Field, type Model } from '../schema/index.js';
import { csvBatches, type CsvHeader } from '../sources/csv.js';
import { detectInput, isInputFileName, type InputFile } from '../sources/detect.js';
import { scanJsonKeys } from '../sources/json.js';
import { readText, type ReadOptions } from '../sources/read.js';
import { resolveColumns, type ColumnResolution } from '../validate/columns.js';

export interface PlannedInput extends InputFile {
  columns: ColumnResolution;
  /** CSV only: the header as read. */
  header?: CsvHeader;
  bytes: number;
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
}

async function expand(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new UsageError(`${path}: no such file or folder`);
  }
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((name) => !name.startsWith('.')).sort();
  return names.map((name) => join(path, name)).filter(isInputFileName);
}

async function readHeader(file: InputFile, options: PlanOptions): Promise<CsvHeader | undefined> {
  let header: CsvHeader | undefined;
  const texts = readText(file, options);
  for await (const batch of csvBatches(texts, { delimiter: options.delimiter, maxRecordChars: options.maxRecordChars }, (h) => {
    header = h;
  })) {
    void batch;
    if (header) break;
  }
  return header;
}

export async function planInputs(paths: readonly string[], options: PlanOptions): Promise<Plan> {
  const found: InputFile[] = [];
  for (const path of paths) {
    for (const file of await expand(path)) found.push(detectInput(file));
  }
  for (const { path, model } of options.explicit) {
    for (const file of await expand(path)) found.push(detectInput(file, model));
  }
  if (found.length === 0) {
    throw new UsageError('no input files: give CSV, NDJSON/JSONL or JSON exports, or folders that hold them');
  }
  const seen = new Set<string>();
  const warnings: string[] = [];
  const errors: string[] = [];
  const inputs: PlannedInput[] = [];
  for (const file of found) {
    if (seen.has(file.path)) continue;
    seen.add(file.path);
    const bytes = (await stat(file.path)).size;
    let columns: ColumnResolution;
    let header: CsvHeader | undefined;
    if (file.format === 'csv') {
      header = await readHeader(file, options);
      columns = resolveColumns(file.model, header?.names ?? [], 'header');
      if (!header) columns.errors.length = 0;
    } else {
      columns = resolveColumns(file.model, await scanJsonKeys(readText(file, options)), 'keys');
    }
    for (const w of columns.warnings) warnings.push(`${file.path}: ${w}`);
    for (const e of columns.errors) errors.push(`${file.path}: ${e}`);
    inputs.push({ ...file, columns, header, bytes });
  }
  if (errors.length > 0) {
    throw new DataError('FILE_INVALID', `cannot read ${errors.length === 1 ? 'an input' : `${errors.length} inputs`}: ${errors.join('; ')}`);
  }
  inputs.sort((a, b) => a.model.order - b.model.order);
  const outputColumns = new Map<Model, Field[]>();
  for (const model of ALL_MODELS) {
    const used = new Set<Field>();
    for (const input of inputs) if (input.model === model) for (const f of input.columns.fields.values()) used.add(f);
    if (inputs.some((i) => i.model === model)) outputColumns.set(model, model.fields.filter((f) => used.has(f)));
  }
  return { inputs, outputColumns, warnings };
}
