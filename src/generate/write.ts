// Writes a generated export to disk: one file per model plus the truth file
// of injected defects. Each file is streamed chunk by chunk, waiting for the
// disk, under a temporary name renamed when complete.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ALL_MODELS, type Model } from '../schema/index.js';
import { csvCell } from '../sinks/format.js';
import { temporaryPath, writeFileAtomic } from '../util/atomic.js';
import { modelCounts, modelText, type Defect, type Scale, type TextFormat } from './records.js';

export interface GenerateOptions extends Scale {
  outDir: string;
  format: TextFormat;
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

const EXTENSION: Record<TextFormat, string> = { csv: 'csv', ndjson: 'ndjson', json: 'json' };

export async function runGenerate(options: GenerateOptions): Promise<{ files: GeneratedFile[]; truthFile: string }> {
  await mkdir(join(options.outDir, 'truth'), { recursive: true });
  const counts = modelCounts(options);
  const files: GeneratedFile[] = [];
  let truth = TRUTH_COLUMNS.join(',') + '\n';
  for (const model of ALL_MODELS) {
    if (options.models && !options.models.includes(model)) continue;
    const name = `${model.entry}.${EXTENSION[options.format]}`;
    const defects: Defect[] = [];
    const bytes = await writeStreamed(join(options.outDir, name), modelText(model, counts, options), defects);
    for (const d of defects) truth += [name, String(d.line), csvCell(d.erpKey), d.field, d.code].join(',') + '\n';
    files.push({ file: name, model: model.name, records: (counts.get(model) ?? 0) + defects.length, defects: defects.length, bytes });
  }
  const truthFile = join(options.outDir, TRUTH_FILE);
  await writeFileAtomic(truthFile, truth);
  return { files, truthFile };
}

async function writeStreamed(path: string, chunks: Iterable<{ text: string; defects: Defect[] }>, defects: Defect[]): Promise<number> {
  const tmp = temporaryPath(path);
  const out = createWriteStream(tmp);
  try {
    for (const chunk of chunks) {
      defects.push(...chunk.defects);
      if (!out.write(chunk.text)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await rename(tmp, path);
    return out.bytesWritten;
  } catch (error) {
    out.destroy();
    await rm(tmp, { force: true });
    throw error;
  }
}
