import { CsvEngine } from './csv-engine.js';
import type { SourceBatch } from './types.js';

export interface CsvOptions {
  /** Field delimiter; a "sep=;" first line overrides the default ",". */
  delimiter?: string;
  maxRecordChars: number;
  /** Give each batch the records' own text where it can be written as it came (see CsvEngine.verbatim). */
  keepVerbatim?: boolean;
}

export interface CsvHeader {
  names: string[];
  line: number;
  delimiter: string;
  /** Where the delimiter came from; a detected one is reported to the user. */
  delimiterFrom: 'option' | 'sep line' | 'detected';
}

const SEP_LINE = /^sep=(.)\r?\n/;
const CANDIDATES = [',', ';', '\t', '|'];

/**
 * The delimiter a header line most likely uses: the candidate that occurs
 * most often outside quotes, "," on a tie or when none occurs. Header names
 * rarely contain any of them, so the header is a reliable sample.
 */
export function detectDelimiter(text: string): string {
  const counts = new Map(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  for (const [c, n] of counts) if (n > counts.get(best)!) best = c;
  return best;
}

/**
 * CSV text to record batches. The first record is the header and is handed
 * to `onHeader` (and not yielded). The delimiter is the one given, else an
 * Excel "sep=;" first line's, else the one detected in the header line.
 */
export async function* csvBatches(
  texts: AsyncIterable<string>,
  options: CsvOptions,
  onHeader: (header: CsvHeader) => void,
): AsyncGenerator<SourceBatch> {
  let engine: CsvEngine | undefined;
  let header: CsvHeader | undefined;
  let lineOffset = 0;
  let delimiterFrom: CsvHeader['delimiterFrom'] = 'option';
  const emit = (): SourceBatch | undefined => {
    const taken = engine!.take();
    let { rows, lines, verbatim } = taken;
    if (!header && rows.length > 0) {
      header = { names: rows[0], line: lines[0] + lineOffset, delimiter: engine!.delimiter, delimiterFrom };
      engine!.expectedFields = rows[0].length;
      onHeader(header);
      rows = rows.slice(1);
      lines = lines.slice(1);
      verbatim = verbatim?.slice(1);
    }
    if (lineOffset !== 0) {
      for (let i = 0; i < lines.length; i++) lines[i] += lineOffset;
      for (const p of taken.problems) p.line += lineOffset;
    }
    if (rows.length === 0 && taken.problems.length === 0) return undefined;
    return { kind: 'rows', rows, lines, verbatim, problems: taken.problems };
  };
  for await (let text of texts) {
    if (!engine) {
      let delimiter = options.delimiter;
      const sep = SEP_LINE.exec(text);
      if (sep) {
        if (delimiter === undefined) {
          delimiter = sep[1];
          delimiterFrom = 'sep line';
        }
        text = text.slice(sep[0].length);
        lineOffset = 1;
      }
      if (delimiter === undefined) {
        delimiter = detectDelimiter(text.slice(0, options.maxRecordChars));
        delimiterFrom = 'detected';
      }
      engine = new CsvEngine({ delimiter, maxRecordChars: options.maxRecordChars, keepVerbatim: options.keepVerbatim });
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
