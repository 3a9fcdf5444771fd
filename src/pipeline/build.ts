// The build: plan the inputs, then stream each file through
// read -> decode -> parse -> validate -> format -> batch sink, models in
// parents-first order. Every record read ends in exactly one batch or one
// rejects row; the counts prove it.

import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, OutputError, SageSyncError } from '../errors.js';
import type { Field, Model } from '../schema/index.js';
import { formatterFor, type EntryFormat, type LineFormatter } from '../sinks/format.js';
import { BatchJsonWriter } from '../sinks/batch-json.js';
import type { BatchInfo, BatchSink } from '../sinks/types.js';
import { ZipBatchThread } from '../sinks/zip-thread.js';
import { csvBatches, type CsvHeader } from '../sources/csv.js';
import { jsonBatches } from '../sources/json.js';
import { protobufBatches } from '../sources/protobuf.js';
import { readBytes, readText, type ReadOptions } from '../sources/read.js';
import type { SourceBatch } from '../sources/types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { loadMapping } from '../mapping/load.js';
import { compileMappedObjectValidator, compileMappedRowValidator, type MappedBatch } from '../mapping/validator.js';
import { compileObjectValidator, compileRowValidator, type BatchValidator, type Reject, type ValidatedBatch } from '../validate/compile.js';
import { KeyGuard } from '../validate/keys.js';
import { problem } from '../validate/problems.js';
import { ChangeState } from '../delta/state.js';
import { IntegrityChecks, type DuplicatePolicy, type OrphanPolicy, type ScannedBatch } from '../integrity/checks.js';
import { addTally, Counter, emptyTally, type Counts, type Tally } from './counts.js';
import { buildManifest, MANIFEST_FILE, type Manifest } from './manifest.js';
import { NestedRecords } from './nested.js';
import { planInputs, type Plan, type PlannedInput } from './plan.js';
import { ReportWriter } from './report.js';

export interface BuildOptions {
  inputs: readonly string[];
  explicit?: { path: string; model: Model }[];
  outDir: string;
  /** Validate only: write rejects and a summary, no batches. */
  validateOnly?: boolean;
  onInvalid?: 'skip' | 'fail';
  /** Stop once this many records were rejected; 0 for no cap. */
  maxErrors?: number;
  maxBatchBytes: number;
  maxBatchRecords?: number;
  maxRecordBytes?: number;
  isFullSync?: boolean;
  appEnrollmentId?: string;
  entryFormat?: EntryFormat;
  /** zip (default): Upload Sync File archives; batch-json: BatchSyncModel documents. */
  format?: OutputFormat;
  level?: number;
  /** ZIP batches written side by side once the output will not fit one (default 2). */
  parallelBatches?: number;
  delimiter?: string;
  encoding?: 'utf-8' | 'latin1';
  /** Trim blanks and drop zero-width characters in key values (otherwise they are only reported). */
  normalizeKeys?: boolean;
  /** An input that changes while it is read stops the run instead of giving a warning. */
  strict?: boolean;
  signal?: AbortSignal;
  /** Identities seen twice: keep the first (reject, the default) or the last; off skips the check. */
  duplicates?: DuplicatePolicy;
  /** Foreign keys naming no record of this run; default reject for full syncs, warn otherwise. */
  orphans?: OrphanPolicy;
  /** Delta window: keep records modified at or after this instant (ms since the epoch). */
  since?: number;
  /** Change-detection state file: read at the start, replaced when the run succeeds. */
  stateFile?: string;
  /** A mapping file: source columns and values -> SyncModel fields. */
  mapping?: string;
  /** Called after every batch of records, for progress displays. */
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  counts: Tally;
  bytesRead: number;
  bytesTotal: number;
  /** Batches opened so far, as confirmed by the ZIP writer thread (a few writes behind the reader). */
  batches: number;
}

export interface InputSummary extends Tally {
  file: string;
  model: string;
  format: string;
}

export interface BuildResult {
  counts: Counts;
  batches: BatchInfo[];
  inputs: InputSummary[];
  warnings: string[];
  rejectsFile: string;
  /** warnings.csv (orphans under --orphans warn), when that policy was in force. */
  warningsFile: string | undefined;
  /** Rows in warningsFile. */
  orphanWarnings: number;
  manifestFile: string | undefined;
  manifest: Manifest | undefined;
}

export type OutputFormat = 'zip' | 'batch-json';

export const DEFAULT_MAX_BATCH_BYTES = 50_000_000;
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
export const REJECTS_FILE = 'rejects.csv';
export const WARNINGS_FILE = 'warnings.csv';

/** Stops the run for data, with the counts so far attached. */
export class StoppedForData extends DataError {
  constructor(
    message: string,
    readonly counts: Counts,
    readonly rejectsFile: string,
  ) {
    super('STOPPED', message);
  }
}

/**
 * The run was stopped from outside (SIGINT, SIGTERM, an aborted signal).
 * Carries how far it got; nothing it wrote is kept.
 */
export class BuildInterrupted extends SageSyncError {
  constructor(
    readonly reason: string,
    readonly counts: Counts,
    readonly inputsDone: number,
    readonly inputsTotal: number,
  ) {
    super('INTERRUPTED', `interrupted (${reason}) after ${counts.read} records from ${inputsDone} of ${inputsTotal} inputs; no output was kept`, 1);
  }
}

function abortReason(signal: AbortSignal): string {
  return signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
}

/** A sink for validate-only runs: keeps nothing. */
class DiscardSink implements BatchSink {
  beginModel(): void {}
  async write(): Promise<number[]> {
    return [];
  }
  async endModel(): Promise<void> {}
  async finish(): Promise<BatchInfo[]> {
    return [];
  }
  async abort(): Promise<void> {}
}

export async function runBuild(options: BuildOptions): Promise<BuildResult> {
  const maxRecordChars = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const readOptions = { encoding: options.encoding, signal: options.signal };
  let plan: Plan;
  try {
    plan = await planInputs(options.inputs, {
      ...readOptions,
      explicit: options.explicit ?? [],
      delimiter: options.delimiter,
      maxRecordChars,
      mapping: options.mapping === undefined ? undefined : await loadMapping(options.mapping),
    });
  } catch (error) {
    if (options.signal?.aborted) throw new BuildInterrupted(abortReason(options.signal), new Counter().snapshot(), 0, 0);
    throw error;
  }
  await mkdir(options.outDir, { recursive: true });
  await removeStalePartials(options.outDir);
  const rejectsFile = join(options.outDir, REJECTS_FILE);
  /** Records the planned inputs (of one model, or all) probably hold; inputs that cannot say count 0. */
  const expectedRecords = (model?: Model): number =>
    plan.inputs.reduce((sum, input) => sum + (model === undefined || input.model === model ? (input.estimatedRecords ?? 0) : 0), 0);
  const report = new ReportWriter(rejectsFile);
  const limits = { outDir: options.outDir, maxBytes: options.maxBatchBytes, maxRecords: options.maxBatchRecords ?? 0 };
  const sink: BatchSink = options.validateOnly
    ? new DiscardSink()
    : options.format === 'batch-json'
      ? new BatchJsonWriter({ ...limits, isFullSync: options.isFullSync ?? false, appEnrollmentId: options.appEnrollmentId ?? null })
      : new ZipBatchThread({ ...limits, level: options.level ?? 6, lanes: options.parallelBatches });
  const orphans = options.orphans ?? (options.isFullSync ? 'reject' : 'warn');
  const warningsFile = orphans === 'warn' ? join(options.outDir, WARNINGS_FILE) : undefined;
  const warningsReport = warningsFile ? new ReportWriter(warningsFile) : undefined;
  const integrity = new IntegrityChecks(
    {
      duplicates: options.duplicates ?? 'reject',
      orphans,
      since: options.since,
      state: options.stateFile ? await ChangeState.load(options.stateFile, expectedRecords()) : undefined,
      fullSync: options.isFullSync ?? false,
    },
    [...plan.outputColumns.keys()],
    plan.inputs.map((input) => input.path),
    (model) => plan.outputColumns.get(model)!,
    rescan,
    expectedRecords,
  );
  const counter = new Counter();
  const inputs: InputSummary[] = [];
  const bytesTotal = plan.inputs.reduce((sum, i) => sum + i.bytes, 0);
  let bytesRead = 0;
  /** Bytes of the current model's inputs, and bytesRead when it began: the sink may plan batches by the share read. */
  let modelBytes = 0;
  let modelReadFrom = 0;
  let inputsDone = 0;
  // BatchSyncModel arrays hold the same objects as JSONL entries.
  const entryFormat = options.format === 'batch-json' ? 'jsonl' : (options.entryFormat ?? 'csv');
  const warnings = [...plan.warnings];

  /** Rejects still allowed before the run stops for data; Infinity when it never does. */
  const allowance = (): number => {
    if (options.onInvalid === 'fail') return 1 - counter.total.rejected;
    if (options.maxErrors) return options.maxErrors - counter.total.rejected;
    return Infinity;
  };

  const formatters = new Map([...plan.outputColumns].map(([model, columns]) => [model, formatterFor(entryFormat, columns)]));
  const nested = new NestedRecords({ dir: options.outDir, report, counter, inputs, formatters, maxBatchBytes: options.maxBatchBytes });

  function stop(path: string, at: Reject): never {
    const where = `${path}:${at.line} ${at.problems[0].field} ${at.problems[0].code}: ${at.problems[0].reason}`;
    const why =
      options.onInvalid === 'fail'
        ? 'stopped at the first invalid record (--on-invalid fail)'
        : `stopped after ${counter.total.rejected} rejected records (--max-errors ${options.maxErrors})`;
    throw new StoppedForData(`${why}: ${where}`, counter.snapshot(), rejectsFile);
  }

  function objectValidator(input: PlannedInput, columns: Field[]): BatchValidator {
    if (!input.mapped) return compileObjectValidator(input.model, columns, input.columns.fields);
    const mapped = { model: input.model, outputColumns: columns, entry: input.mapped.entry, byName: input.columns.fields };
    const children = input.mapped.nested.map((n) => ({ nested: n.nested, outputColumns: plan.outputColumns.get(n.nested.model)!, byName: n.columns.fields }));
    return compileMappedObjectValidator(mapped, children);
  }

  function rowValidator(input: PlannedInput, columns: Field[], header: string[]): BatchValidator {
    if (!input.mapped) return compileRowValidator(input.model, columns, header, input.columns.fields);
    return compileMappedRowValidator({ model: input.model, outputColumns: columns, entry: input.mapped.entry, byName: input.columns.fields }, header);
  }

  /** `keepVerbatim`: CSV records that can be written as they came keep their text (only worth it when the batches are formatted as CSV). */
  function recordBatches(input: PlannedInput, read: ReadOptions, onHeader: (header: CsvHeader) => void, keepVerbatim = false): AsyncIterable<SourceBatch> {
    switch (input.format) {
      case 'protobuf':
        return protobufBatches(readBytes(input, read), input.model, { maxRecordBytes: maxRecordChars });
      case 'csv':
        return csvBatches(readText(input, read), { delimiter: options.delimiter, maxRecordChars, keepVerbatim }, onHeader);
      default:
        // A mapping reads paths into nested objects; the plain validator reads field lists, which parse faster.
        return jsonBatches(readText(input, read), input.format, input.path, { maxRecordChars, fields: !input.mapped });
    }
  }

  /**
   * read -> decode -> parse -> validate, as validated batches. For a build's
   * own pass over an input (not a rescan): `onBytes` counts what is read,
   * `notes` gathers the validator's notes, `keepVerbatim` as for recordBatches.
   */
  async function* validatedBatches(
    input: PlannedInput,
    columns: Field[],
    pass: { onBytes?: (n: number) => void; notes?: string[]; keepVerbatim?: boolean } = {},
  ): AsyncGenerator<ValidatedBatch> {
    let validate: BatchValidator | undefined = input.format === 'csv' ? undefined : objectValidator(input, columns);
    const batches = recordBatches(
      input,
      { ...readOptions, onBytes: pass.onBytes },
      (header) => {
        validate = rowValidator(input, columns, header.names);
      },
      pass.keepVerbatim,
    );
    for await (const batch of batches) {
      options.signal?.throwIfAborted();
      yield validate!(batch);
    }
    for (const note of validate?.notes?.() ?? []) pass.notes?.push(`${input.path}: ${note}`);
  }

  async function* rescan(model: Model): AsyncGenerator<ScannedBatch> {
    for (const [fileIndex, input] of plan.inputs.entries()) {
      if (input.model !== model) continue;
      for await (const batch of validatedBatches(input, plan.outputColumns.get(model)!)) yield { fileIndex, batch };
    }
  }

  async function processFile(input: PlannedInput, columns: Field[], formatter: LineFormatter, keys: KeyGuard): Promise<void> {
    const tally: InputSummary = { file: input.path, model: input.model.name, format: input.format, ...emptyTally() };
    inputs.push(tally);
    const fileIndex = plan.inputs.indexOf(input);
    const batches = validatedBatches(input, columns, {
      onBytes: (n) => {
        bytesRead += n;
      },
      notes: warnings,
      keepVerbatim: entryFormat === 'csv',
    });
    // Each stage is an async generator pulling from the one before, so a
    // slow sink holds back parsing and reading: backpressure end to end.
    for await (const result of batches) {
      keys.apply(result);
      const checked = integrity.check(fileIndex, result);
      const stopAt = cutAtAllowance(result, allowance());
      const lines = result.rows.map((row) => formatter.line(row));
      if (modelBytes > 0) sink.readShare?.(Math.min(1, (bytesRead - modelReadFrom) / modelBytes));
      const tooLarge = await sink.write(lines);
      integrity.built(tooLarge);
      for (const index of tooLarge) {
        result.rejects.push({
          line: result.lines[index],
          key: input.model.keyField ? (result.rows[index][columns.indexOf(input.model.keyField)] ?? '') : '',
          problems: [
            problem('TOO_LARGE', '', `the record needs more than --max-batch-bytes (${options.maxBatchBytes}) on its own`, lines[index].slice(0, 200)),
          ],
        });
      }
      for (const reject of result.rejects) {
        report.add({ file: input.path, line: reject.line, model: input.model.name, key: reject.key, problems: reject.problems });
      }
      const { unchanged, outOfWindow } = checked;
      for (const warning of checked.warnings) {
        warningsReport!.add({ file: input.path, line: warning.line, model: input.model.name, key: warning.key, problems: warning.problems });
      }
      const read = result.rows.length + result.rejects.length - tooLarge.length + unchanged + outOfWindow;
      const written = result.rows.length - tooLarge.length;
      counter.add(input.model.name, read, written, result.rejects.length, unchanged, outOfWindow);
      addTally(tally, read, written, result.rejects.length, unchanged, outOfWindow);
      await report.flush();
      await warningsReport?.flush();
      if (stopAt) stop(input.path, stopAt);
      if ('children' in result) {
        const allowed = allowance();
        const childRejects = await nested.spill(input.path, input.format, (result as MappedBatch).children);
        // Children are judged per parent batch: the run stops after it, naming the child that used up the allowance.
        if (childRejects.length > 0 && allowance() <= 0) stop(input.path, childRejects[Math.min(childRejects.length, allowed) - 1]);
      }
      options.onProgress?.({ counts: counter.total, bytesRead, bytesTotal, batches: sink.currentBatch ?? 0 });
    }
    await checkUnchanged(input, options.strict ?? false, warnings);
    inputsDone++;
  }

  /** warnings.csv exists only when it lists something; an earlier run's copy would mislead. */
  async function closeWarnings(): Promise<void> {
    if (warningsReport && warningsReport.rows > 0) return warningsReport.close();
    await warningsReport?.discard();
    await rm(join(options.outDir, WARNINGS_FILE), { force: true });
  }

  let batches: BatchInfo[];
  try {
    for (const [model, columns] of plan.outputColumns) {
      const formatter = formatters.get(model)!;
      await integrity.beginModel(model);
      sink.beginModel(model, formatter);
      const keys = new KeyGuard(model, columns, options.normalizeKeys ?? false);
      modelBytes = plan.inputs.reduce((sum, input) => sum + (input.model === model ? input.bytes : 0), 0);
      modelReadFrom = bytesRead;
      for (const input of plan.inputs) {
        if (input.model === model) await processFile(input, columns, formatter, keys);
      }
      await nested.write(model, sink);
      for (const note of [...keys.notes(), ...integrity.notes()]) warnings.push(`${model.name}: ${note}`);
      await sink.endModel();
    }
    // An earlier run's manifest must not describe the batches about to be renamed:
    // a crash between the renames and the new manifest leaves no manifest at all.
    if (!options.validateOnly) await rm(join(options.outDir, MANIFEST_FILE), { force: true });
    batches = await sink.finish();
    await report.close();
    await closeWarnings();
  } catch (error) {
    await nested.discard();
    await sink.abort();
    await integrity.discardState();
    if (error instanceof StoppedForData) await report.close();
    else await report.discard();
    // Warnings describe records written into batches, and a stopped run keeps none.
    await warningsReport?.discard();
    if (options.signal?.aborted) throw new BuildInterrupted(abortReason(options.signal), counter.snapshot(), inputsDone, plan.inputs.length);
    // Stream write errors name no file; reads (which do) pass unchanged.
    if (error instanceof Error && (error as NodeJS.ErrnoException).syscall === 'write') throw new OutputError(options.outDir, error);
    throw error;
  }

  const counts = counter.snapshot();
  let manifest: Manifest | undefined;
  let manifestFile: string | undefined;
  if (!options.validateOnly) {
    manifest = buildManifest({
      batches,
      counts,
      inputs,
      warnings,
      isFullSync: options.isFullSync ?? false,
      since: options.since === undefined ? null : new Date(options.since).toISOString(),
      warningsFile: warningsReport?.rows ? WARNINGS_FILE : null,
      appEnrollmentId: options.appEnrollmentId ?? null,
      entryFormat: options.format === 'batch-json' ? 'batch-json' : entryFormat,
      limits: { maxBatchBytes: options.maxBatchBytes, maxBatchRecords: options.maxBatchRecords ?? 0 },
    });
    manifestFile = join(options.outDir, MANIFEST_FILE);
    await writeFileAtomic(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
    await removeStaleBatches(options.outDir, new Set(batches.map((b) => b.file)));
    // Last, so that the state only ever describes batches that were written.
    if (options.stateFile) await integrity.saveState();
  }
  const orphanWarnings = warningsReport?.rows ?? 0;
  return { counts, batches, inputs, warnings, rejectsFile, warningsFile: orphanWarnings > 0 ? warningsFile : undefined, orphanWarnings, manifestFile, manifest };
}

/**
 * When the batch holds the reject that uses up the allowance, drops every
 * record after it, so the run stops exactly there. Returns that reject.
 */
function cutAtAllowance(result: ValidatedBatch, allowed: number): Reject | undefined {
  if (result.rejects.length < allowed) return undefined;
  const last = result.rejects[Math.max(0, allowed - 1)];
  result.rejects.length = Math.max(1, allowed);
  let keep = 0;
  while (keep < result.lines.length && result.lines[keep] < last.line) keep++;
  result.rows.length = keep;
  result.lines.length = keep;
  return last;
}

/**
 * Size and modification time at the end of reading must match the plan's:
 * a file rewritten meanwhile may have been read half old, half new.
 */
async function checkUnchanged(input: PlannedInput, strict: boolean, warnings: string[]): Promise<void> {
  const now = await stat(input.path);
  if (now.size === input.bytes && now.mtimeMs === input.mtimeMs) return;
  const what = `${input.path}: the file changed while it was read (size ${input.bytes} -> ${now.size} bytes); its records may mix two versions`;
  if (strict) throw new DataError('INPUT_CHANGED', `${what} (--strict)`);
  warnings.push(what);
}

/** Temporary outputs of a run that was killed; the names are this tool's own (util/atomic.ts). */
const PARTIAL = /^\.(batch-\d{4,}\.(zip|json)|rejects\.csv|warnings\.csv|manifest\.json)\.[0-9a-f]{8}\.partial$/;

async function removeStalePartials(outDir: string): Promise<void> {
  for (const name of await readdir(outDir)) {
    if (PARTIAL.test(name)) await rm(join(outDir, name), { force: true });
  }
}

/** Batches left by an earlier run in the same folder would be mistaken for this run's. */
async function removeStaleBatches(outDir: string, keep: Set<string>): Promise<void> {
  for (const name of await readdir(outDir)) {
    if (/^batch-\d{4,}\.(zip|json)$/.test(name) && !keep.has(name)) await rm(join(outDir, name), { force: true });
  }
}
