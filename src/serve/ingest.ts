// What the local sync service does with an upload (spec §1, step 7): check
// the ZIP is readable and safe, check every entry and column against the
// schema, then validate and merge each entry, parents first. A defect of the
// whole upload throws IngestError (the sync ends Failed); a bad record is
// counted as an error of its model and the rest goes on.

import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { ALL_MODELS, type Field, type Model } from '../schema/index.js';
import { csvBatches } from '../sources/csv.js';
import { decodeText } from '../sources/decode.js';
import { jsonBatches } from '../sources/json.js';
import type { JsonRecord, SourceBatch } from '../sources/types.js';
import { compileObjectValidator, compileRowValidator, type BatchValidator, type ValidatedBatch } from '../validate/compile.js';
import { resolveColumns } from '../validate/columns.js';
import { emptyResult, noteError, type EntityResult, type SyncStore } from './store.js';

export class IngestError extends Error {}

export interface ZipGuards {
  maxEntries: number;
  maxUncompressedBytes: number;
  /** Largest uncompressed/compressed ratio of an entry bigger than RATIO_FLOOR_BYTES. */
  maxRatio: number;
  maxRecordChars: number;
}

/** Small entries may compress extremely well without being a threat. */
const RATIO_FLOOR_BYTES = 1 << 20;

export type Details = Record<string, EntityResult>;

interface Target {
  id: string;
  scope: string | null;
}

type EntryTarget = { model: Model; format: 'csv' | 'ndjson' };

const ENTRY_MODELS: ReadonlyMap<string, EntryTarget> = new Map(
  ALL_MODELS.flatMap((model): [string, EntryTarget][] => [
    [`${model.entry}.csv`, { model, format: 'csv' }],
    [`${model.entry}.jsonl`, { model, format: 'ndjson' }],
  ]),
);

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings off: yauzl would reject unsafe names itself, but without saying which guard tripped.
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) reject(new IngestError(`the ZIP is unreadable: ${error?.message ?? 'no archive'}`));
      else resolve(zip);
    });
  });
}

function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (error: Error) => reject(new IngestError(`the ZIP is unreadable: ${error.message}`)));
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => (error || !stream ? reject(new IngestError(`entry unreadable: ${error?.message}`)) : resolve(stream)));
  });
}

function entryName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  // General-purpose flag bit 11: the name is UTF-8; otherwise CP437, whose ASCII range is all a valid name uses.
  return raw.toString((entry.generalPurposeBitFlag & 0x800) !== 0 ? 'utf8' : 'latin1');
}

/** Checks the whole archive before reading a byte of data: counts, sizes, ratios, names. */
function checkArchive(zip: yauzl.ZipFile, entries: yauzl.Entry[], guards: ZipGuards): { entry: yauzl.Entry; name: string; model: Model; format: 'csv' | 'ndjson' }[] {
  if (zip.entryCount > guards.maxEntries) throw new IngestError(`the ZIP holds ${zip.entryCount} entries; at most ${guards.maxEntries} are accepted`);
  let total = 0;
  const known = [];
  for (const entry of entries) {
    const name = entryName(entry);
    if (name.startsWith('/') || name.startsWith('\\') || /^[a-z]:/i.test(name) || name.split(/[\\/]/).includes('..')) {
      throw new IngestError(`entry "${name}" is not a safe relative path`);
    }
    total += entry.uncompressedSize;
    if (total > guards.maxUncompressedBytes) throw new IngestError(`the ZIP expands to more than ${guards.maxUncompressedBytes} bytes`);
    if (entry.uncompressedSize > RATIO_FLOOR_BYTES && entry.uncompressedSize / Math.max(1, entry.compressedSize) > guards.maxRatio) {
      throw new IngestError(`entry "${name}" compresses more than ${guards.maxRatio}:1; refused as a possible ZIP bomb`);
    }
    const target = ENTRY_MODELS.get(name.toLowerCase());
    if (!target) throw new IngestError(`unknown entry "${name}"; expected names like ${[...ENTRY_MODELS.keys()].slice(0, 3).join(', ')}`);
    known.push({ entry, name, ...target });
  }
  return known.sort((a, b) => a.model.order - b.model.order);
}

function noteRejects(validated: ValidatedBatch, source: string, result: EntityResult): void {
  for (const reject of validated.rejects) {
    const key = reject.key || `${source} line ${reject.line}`;
    for (const p of reject.problems) noteError(result, key, `${p.code}${p.field ? ` ${p.field}` : ''}: ${p.reason}`);
  }
}

async function ingestCsvEntry(texts: AsyncIterable<string>, name: string, model: Model, store: SyncStore, target: Target, result: EntityResult, guards: ZipGuards): Promise<void> {
  let validate: BatchValidator | undefined;
  let columns: Field[] = [];
  const batches = csvBatches(texts, { maxRecordChars: guards.maxRecordChars }, (header) => {
    const resolution = resolveColumns(model, header.names, 'header');
    const unknown = header.names.filter((n) => n.trim() !== '' && !resolution.fields.has(n));
    if (unknown.length > 0) throw new IngestError(`${name}: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} for ${model.name}`);
    if (resolution.errors.length > 0) throw new IngestError(`${name}: ${resolution.errors.join('; ')}`);
    columns = header.names.map((n) => resolution.fields.get(n)!);
    validate = compileRowValidator(model, columns, header.names, resolution.fields);
  });
  for await (const batch of batches) {
    const validated = validate!(batch);
    noteRejects(validated, name, result);
    store.mergeRows(model, columns, validated.rows, validated.lines, { ...target, source: name }, result);
  }
}

/** Validates and merges JSON objects whose keys have already been checked against the model. */
function mergeObjects(batch: SourceBatch, validate: BatchValidator, source: string, model: Model, store: SyncStore, target: Target, result: EntityResult): void {
  const validated = validate(batch);
  noteRejects(validated, source, result);
  store.mergeRows(model, model.fields, validated.rows, validated.lines, { ...target, source }, result);
}

function checkKeys(objects: JsonRecord[], resolve: (key: string) => string | undefined, source: string, model: Model): JsonRecord[] {
  return objects.map((object) => {
    const renamed: JsonRecord = {};
    for (const [key, value] of Object.entries(object)) {
      const field = resolve(key);
      if (!field) throw new IngestError(`${source}: unknown column ${key} for ${model.name}`);
      renamed[field] = value;
    }
    return renamed;
  });
}

/** Merges one uploaded ZIP; resolves with the per-model details. */
export async function ingestZip(path: string, store: SyncStore, target: Target, guards: ZipGuards): Promise<Details> {
  const zip = await openZip(path);
  try {
    const entries = checkArchive(zip, await listEntries(zip), guards);
    const details: Details = {};
    for (const { entry, name, model, format } of entries) {
      const result = (details[model.name] ??= emptyResult());
      const texts = decodeText(await openEntry(zip, entry), name);
      try {
        if (format === 'csv') {
          await ingestCsvEntry(texts, name, model, store, target, result, guards);
        } else {
          const validate = compileObjectValidator(model, model.fields, model.byName);
          const exact = (key: string) => (model.byName.has(key) ? key : undefined);
          for await (const batch of jsonBatches(texts, 'ndjson', name, { maxRecordChars: guards.maxRecordChars })) {
            if (batch.kind === 'objects') batch.objects = checkKeys(batch.objects, exact, name, model);
            mergeObjects(batch, validate, name, model, store, target, result);
          }
        }
      } catch (error) {
        if (error instanceof IngestError) throw error;
        throw new IngestError(`${name}: ${(error as Error).message}`);
      }
    }
    return details;
  } finally {
    zip.close();
  }
}

/**
 * Merges a BatchSyncModel document. Property and field names match without
 * regard to case, because the C# SDK sends PascalCase (spec §1.5).
 */
export function ingestBatch(document: unknown, store: SyncStore, target: Target): Details {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new IngestError('the body is not a BatchSyncModel object');
  const byProperty = new Map(ALL_MODELS.map((m) => [m.batchProperty.toLowerCase(), m]));
  const present: { model: Model; records: unknown }[] = [];
  for (const [property, records] of Object.entries(document)) {
    const model = byProperty.get(property.toLowerCase());
    if (!model) throw new IngestError(`unknown BatchSyncModel property ${property}`);
    if (records === null) continue;
    if (!Array.isArray(records) || records.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
      throw new IngestError(`${property} must be an array of objects`);
    }
    present.push({ model, records });
  }
  const details: Details = {};
  for (const { model, records } of present.sort((a, b) => a.model.order - b.model.order)) {
    const result = (details[model.name] ??= emptyResult());
    const lower = new Map(model.fields.map((f) => [f.name.toLowerCase(), f.name]));
    const objects = checkKeys(records as JsonRecord[], (key) => lower.get(key.toLowerCase()), model.batchProperty, model);
    const validate = compileObjectValidator(model, model.fields, model.byName);
    mergeObjects({ kind: 'objects', objects, lines: objects.map((_, i) => i + 1), problems: [] }, validate, model.batchProperty, model, store, target, result);
  }
  return details;
}
