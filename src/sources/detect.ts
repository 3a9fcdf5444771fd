import { basename } from 'node:path';
import { acceptedModelNames, modelForName, type Model } from '../schema/index.js';
import { UsageError } from '../errors.js';
import type { InputFormat } from './types.js';

const FORMATS: Record<string, InputFormat> = {
  csv: 'csv',
  txt: 'csv',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  json: 'json',
  pb: 'protobuf',
  binpb: 'protobuf',
};

export interface InputFile {
  path: string;
  model: Model;
  format: InputFormat;
  gzip: boolean;
}

/** Splits "Invoice_Lines.ndjson.gz" into its stem, format and compression. */
export function describeFileName(path: string): { stem: string; format: InputFormat | undefined; gzip: boolean } {
  let name = basename(path);
  const gzip = /\.gz$/i.test(name);
  if (gzip) name = name.slice(0, -3);
  const dot = name.lastIndexOf('.');
  const ext = dot === -1 ? '' : name.slice(dot + 1).toLowerCase();
  return { stem: dot === -1 ? name : name.slice(0, dot), format: FORMATS[ext], gzip };
}

export function isInputFileName(path: string): boolean {
  return describeFileName(path).format !== undefined;
}

/** The model and format of one input, from its name unless the model is given. */
export function detectInput(path: string, modelOverride?: Model): InputFile {
  const { stem, format, gzip } = describeFileName(path);
  if (!format) {
    throw new UsageError(`${path}: unknown input format; use .csv, .ndjson/.jsonl, .json or .pb/.binpb (optionally .gz)`);
  }
  const model = modelOverride ?? modelForName(stem);
  if (!model) {
    throw new UsageError(
      `${path}: no model is named "${stem}". Name the file after a model (case, "_", "-", spaces, plurals and a SyncModel suffix are ignored) or pass --input Model=${path}. Accepted names: ${acceptedModelNames().join(', ')}`,
    );
  }
  return { path, model, format, gzip };
}
