// Writes a generated export to disk: one file per model plus the truth file
// of injected defects. Each file is streamed chunk by chunk, waiting for the
// disk, under a temporary name renamed when complete.

import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ALL_MODELS, type Model } from '../schema/index.js';
import { csvCell } from '../sinks/format.js';
import { writeFileAtomic, writeStreamAtomic } from '../util/atomic.js';
import { parseExactJson, isNumberMark, numberText, toJsonText } from '../sources/json-number.js';
import { writeProtobufRecords } from '../sources/protobuf.js';
import type { JsonRecord } from '../sources/types.js';
import { modelCounts, modelText, type Defect, type GenerateFormat, type Scale } from './records.js';

export interface GenerateOptions extends Scale {
  outDir: string;
  format: GenerateFormat;
  seed: number;
  defectRate: number;
  /** Models to write; all when absent. References still name records of the others. */
  models?: readonly Model[];
}

export interface GeneratedFile {
  file: string;
  model: string;
  records: number;
  defects: number;
  bytes: number;
}

/** Where the truth file goes: a subfolder, so a build of the output folder does not read it as an export. */
export const TRUTH_FILE = join('truth', 'defects.csv');
export const TRUTH_COLUMNS = ['file', 'line', 'erpKey', 'field', 'code'] as const;

const EXTENSION: Record<GenerateFormat, string> = { csv: 'csv', ndjson: 'ndjson', json: 'json', protobuf: 'pb' };

export async function runGenerate(options: GenerateOptions): Promise<{ files: GeneratedFile[]; truthFile: string }> {
  await mkdir(join(options.outDir, 'truth'), { recursive: true });
  const counts = modelCounts(options);
  const files: GeneratedFile[] = [];
  let truth = TRUTH_COLUMNS.join(',') + '\n';
  for (const model of ALL_MODELS) {
    if (options.models && !options.models.includes(model)) continue;
    const name = `${model.entry}.${EXTENSION[options.format]}`;
    const defects: Defect[] = [];
    const chunks = modelText(model, counts, options);
    const path = join(options.outDir, name);
    const bytes =
      options.format === 'protobuf'
        ? await writeProtobuf(path, model, chunks, defects)
        : await writeStreamed(path, chunks, defects);
    for (const d of defects) truth += [name, String(d.line), csvCell(d.erpKey), d.field, d.code].join(',') + '\n';
    files.push({ file: name, model: model.name, records: (counts.get(model) ?? 0) + defects.length, defects: defects.length, bytes });
  }
  const truthFile = join(options.outDir, TRUTH_FILE);
  await writeFileAtomic(truthFile, truth);
  return { files, truthFile };
}

async function writeStreamed(path: string, chunks: Iterable<{ text: string; defects: Defect[] }>, defects: Defect[]): Promise<number> {
  return writeStreamAtomic(path, async (write) => {
    for (const chunk of chunks) {
      defects.push(...chunk.defects);
      await write(chunk.text);
    }
  });
}

/**
 * A message that no SyncModel type decodes: field 1 with wire type 7, which
 * does not exist. It stands for the MALFORMED defect of text formats.
 */
const UNDECODABLE = Uint8Array.of(0x0f, 0xff);

/** NDJSON text of a model, re-encoded message by message; a line that does not parse becomes UNDECODABLE. */
async function writeProtobuf(path: string, model: Model, chunks: Iterable<{ text: string; defects: Defect[] }>, defects: Defect[]): Promise<number> {
  function* messages(): Generator<JsonRecord | Uint8Array> {
    for (const chunk of chunks) {
      defects.push(...chunk.defects);
      for (const line of chunk.text.split('\n')) {
        if (line.length === 0) continue;
        let record: JsonRecord;
        try {
          record = parseExactJson(line) as JsonRecord;
        } catch {
          yield UNDECODABLE;
          continue;
        }
        yield contractForm(model, record);
      }
    }
  }
  await writeProtobufRecords(path, model, messages());
  return (await stat(path)).size;
}

/** Values as the .proto carries them: integers and flags as such, everything else as exact text. */
function contractForm(model: Model, record: JsonRecord): JsonRecord {
  const out: JsonRecord = {};
  for (const [key, value] of Object.entries(record)) {
    const field = model.byName.get(key);
    if (!field || value === null) continue;
    const text = typeof value === 'object' ? toJsonText(value) : isNumberMark(value) ? numberText(value) : value;
    out[key] = field.type === 'int' ? Number(text) : field.type === 'boolean' ? text : String(text);
  }
  return out;
}
