// Shared pieces of the micro-benchmarks: generated input held in memory,
// a check that runs before any timing, and a table in rows per second.

import type { TextFormat } from '../../src/generate/records.js';
import { Bench } from 'tinybench';
import { modelCounts, modelText } from '../../src/generate/records.js';
import { getModel, type Model } from '../../src/schema/index.js';

/** `rows` generated records of a model as one text, in the given format. */
export function generatedText(modelName: string, format: TextFormat, rows: number): { model: Model; text: string } {
  const model = getModel(modelName);
  const counts = modelCounts({ invoices: 1000, linesPerInvoice: 4, counts: { [model.name]: rows } });
  const text = [...modelText(model, counts, { format, seed: 1, defectRate: 0 })].map((c) => c.text).join('');
  return { model, text };
}

/** Text is handed to a parser in pieces this large, as a file reader would. */
export const PUSH_CHUNK = 1 << 20;

type PushEngine = { push(text: string): void; end(): void };

/** Pushes `text` through a push engine in PUSH_CHUNK pieces, calling `afterEach` after each push and after the end. */
function pushThrough(engine: PushEngine, text: string, afterEach: () => void): void {
  for (let i = 0; i < text.length; i += PUSH_CHUNK) {
    engine.push(text.slice(i, i + PUSH_CHUNK));
    afterEach();
  }
  engine.end();
  afterEach();
}

/** Pushes `text` through a push engine, collecting what `take` hands back. */
export function pushAll<T>(engine: PushEngine, text: string, take: () => readonly T[]): T[] {
  const out: T[] = [];
  pushThrough(engine, text, () => {
    for (const item of take()) out.push(item);
  });
  return out;
}

/**
 * Pushes `text` as pushAll does but keeps nothing: each take's items are
 * counted and dropped, as the build drops a batch once written. Retaining
 * every record instead puts the old generation's costs into the timing.
 */
export function pushCount(engine: PushEngine, text: string, take: () => { length: number }): number {
  let count = 0;
  pushThrough(engine, text, () => {
    count += take().length;
  });
  return count;
}

export function check(condition: unknown, what: string): void {
  if (!condition) throw new Error(`benchmark output check failed: ${what}`);
}

/** Runs the tasks and prints rows/s (and MB/s when `bytes` is given) per task. */
export async function runAndReport(title: string, bench: Bench, rows: number, bytes?: number): Promise<void> {
  await bench.run();
  console.log(`\n${title} (${rows.toLocaleString('en-US')} rows per run${bytes ? `, ${(bytes / 1e6).toFixed(1)} MB` : ''})`);
  const table = bench.tasks.map((task) => {
    const result = task.result as { state?: string; latency?: { mean: number }; error?: unknown } | undefined;
    if (!result?.latency) return { task: task.name, error: String(result?.error ?? 'no result') };
    const seconds = result.latency.mean / 1000;
    return {
      task: task.name,
      'rows/s': Math.round(rows / seconds).toLocaleString('en-US'),
      ...(bytes ? { 'MB/s': (bytes / 1e6 / seconds).toFixed(1) } : {}),
      'us/row': ((seconds * 1e6) / rows).toFixed(2),
    };
  });
  console.table(table);
}

export function newBench(): Bench {
  return new Bench({ time: 1500, warmupTime: 300 });
}
