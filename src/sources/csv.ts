import { CsvEngine } from './csv-engine.js';
import type { SourceBatch } from './types.js';

export interface CsvOptions {
  /** Field delimiter; a "sep=;" first line overrides the default ",". */
  delimiter?: string;
  maxRecordChars: number;
}

export interface CsvHeader {
  names: string[];
  line: number;
  delimiter: string;
}

const SEP_LINE = /^sep=(.)\r?\n/;

/**
 * CSV text to record batches. The first record is the header and is handed
 * to `onHeader` (and not yielded); an Excel "sep=;" first line sets the
 * delimiter when none was given.
 */
export async function* csvBatches(
  texts: AsyncIterable<string>,
  options: CsvOptions,
  onHeader: (header: CsvHeader) => void,
): AsyncGenerator<SourceBatch> {
  let engine: CsvEngine | undefined;
  let header: CsvHeader | undefined;
  let lineOffset = 0;
  const emit = (): SourceBatch | undefined => {
    const taken = engine!.take();
    let { rows, lines } = taken;
    if (!header && rows.length > 0) {
      header = { names: rows[0], line: lines[0] + lineOffset, delimiter: engine!.delimiter };
      engine!.expectedFields = rows[0].length;
      onHeader(header);
      rows = rows.slice(1);
      lines = lines.slice(1);
    }
    if (lineOffset !== 0) {
      for (let i = 0; i < lines.length; i++) lines[i] += lineOffset;
      for (const p of taken.problems) p.line += lineOffset;
    }
    if (rows.length === 0 && taken.problems.length === 0) return undefined;
    return { kind: 'rows', rows, lines, problems: taken.problems };
  };
  for await (let text of texts) {
    if (!engine) {
      let delimiter = options.delimiter;
      const sep = SEP_LINE.exec(text);
      if (sep) {
        delimiter ??= sep[1];
        text = text.slice(sep[0].length);
        lineOffset = 1;
      }
      engine = new CsvEngine({ delimiter: delimiter ?? ',', maxRecordChars: options.maxRecordChars });
    }
    engine.push(text);
    const batch = emit();
    if (batch) yield batch;
  }
  if (engine) {
    engine.end();
    const batch = emit();
    if (batch) yield batch;
  }
}
