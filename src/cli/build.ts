import { UsageError } from '../errors.js';
import { DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_RECORD_BYTES, runBuild, type BuildOptions } from '../pipeline/build.js';
import { ALL_MODELS, getModel, modelForName } from '../schema/index.js';
import { ZIP_MAX_BYTES } from '../sinks/zip-layout.js';
import { boundHeapGrowth } from '../util/heap.js';
import { parseByteSize } from '../util/size.js';
import { parseArgs } from 'node:util';
import { choiceOption, integerOption, parsingArgs } from './args.js';
import { ProgressDisplay } from './progress.js';
import { buildSummary } from './summary.js';
import { parseSince, windowStart } from '../delta/window.js';

export const BUILD_HELP = `usage: sagesync build [options] <file-or-folder>...
       sagesync validate [options] <file-or-folder>...

Reads ERP exports (CSV, NDJSON/JSONL, JSON arrays, length-delimited protobuf
.pb/.binpb; .gz too), validates every record against the Sage Network
contract and writes upload batches: batch-0001.zip, ... with one CSV entry
per model (or BatchSyncModel documents with --format batch-json), plus
manifest.json and rejects.csv. "validate" runs the same checks and writes
only rejects.csv.

The model of each file comes from its name (companies.csv, Invoice_Lines.ndjson,
PaymentAppliedSyncModel.json); case, "_", "-", spaces, plurals and a SyncModel
suffix are ignored.

options:
  --out DIR                 output folder (default: out)
  --input MODEL=PATH        read PATH as MODEL whatever its name (repeatable)
  --mapping FILE            map source columns and values to SyncModel fields
                            (see "sagesync mapping --help")
  --on-invalid skip|fail    skip: reject bad records and go on (default)
                            fail: stop at the first bad record
  --max-errors N            stop once N records were rejected
  --max-batch-bytes SIZE    largest batch file, central directory included
                            (default: 50MB; accepts 50MB, 64MiB, 1048576)
  --max-batch-records N     most records in one batch (default: no cap)
  --max-record-bytes SIZE   longest single record (default: 16MiB)
  --full                    mark the batches as a full sync (isFullSync);
                            refuses --since and --window
  --duplicates reject|last-wins|off
                            a key seen twice in one run: keep the first and
                            reject later ones (default), or keep the last
  --orphans reject|warn|off a foreign key naming no record of this run:
                            reject it (default with --full) or write it and
                            list it in warnings.csv (default otherwise)
  --since DATE-TIME         delta: keep records modified at or after it
  --window DURATION         delta: keep records modified in the last 90m,
                            48h, 7d, ... counted from the start of the run
  --state FILE              change detection: leave out records unchanged
                            since the run that wrote FILE; FILE is replaced
                            when the run succeeds
  --app-enrollment-id UUID  app enrollment the batches belong to
  --entry-format csv|jsonl  entry format inside the ZIP (default: csv)
  --format zip|batch-json   zip: batch-0001.zip, ... (default); batch-json:
                            batch-0001.json, ... BatchSyncModel documents
  --level 0-9               deflate level (default: 6)
  --parallel-batches N      once the output will not fit one ZIP batch, write
                            N at once, on N cores (default: 2; 1 fills each
                            batch before the next)
  --delimiter C             CSV field delimiter (default: ",", or a "sep=" line)
  --encoding utf-8|latin1   text encoding of the inputs (default: utf-8)
  --normalize-keys          trim blanks and drop zero-width characters in key
                            values (erpKey and references); without it such
                            keys are sent unchanged and reported
  --strict                  stop, rather than warn, when an input changes
                            while it is read
  --json                    print the final summary as JSON
  --quiet                   print nothing but errors
On a terminal, a progress line (rows, rows/s, bytes read, batch, ETA) is
shown on stderr while the build runs.

records without "modified" are always kept. Every run accounts for each
record: read = written + rejected + unchanged + outOfWindow.

exit status: 0 done, 1 stopped for data or by an I/O error (disk full, ...),
2 usage or configuration error, 130/143 interrupted by SIGINT/SIGTERM
(nothing is kept; the run can simply be repeated).

models: ${ALL_MODELS.map((m) => m.name).join(', ')}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function buildCommand(argv: string[], validateOnly: boolean): Promise<number> {
  const { values, positionals } = parsingArgs(() => parseArgs({ args: argv, allowPositionals: true, options: {
    out: { type: 'string' },
    input: { type: 'string', multiple: true },
    mapping: { type: 'string' },
    'on-invalid': { type: 'string' },
    'max-errors': { type: 'string' },
    'max-batch-bytes': { type: 'string' },
    'max-batch-records': { type: 'string' },
    'max-record-bytes': { type: 'string' },
    full: { type: 'boolean' },
    duplicates: { type: 'string' },
    orphans: { type: 'string' },
    since: { type: 'string' },
    window: { type: 'string' },
    state: { type: 'string' },
    'app-enrollment-id': { type: 'string' },
    'entry-format': { type: 'string' },
    format: { type: 'string' },
    level: { type: 'string' },
    'parallel-batches': { type: 'string' },
    delimiter: { type: 'string' },
    encoding: { type: 'string' },
    strict: { type: 'boolean' },
    'normalize-keys': { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } }));
  if (values.help) {
    console.log(BUILD_HELP);
    return 0;
  }
  const explicit = (values.input ?? []).map((spec) => {
    const eq = spec.indexOf('=');
    const model = eq > 0 ? modelForName(spec.slice(0, eq)) : undefined;
    if (!model) throw new UsageError(`--input ${spec}: expected MODEL=PATH with MODEL one of ${ALL_MODELS.map((m) => m.name).join(', ')}`);
    return { model: getModel(model.name), path: spec.slice(eq + 1) };
  });
  const maxBatchBytes = values['max-batch-bytes'] ? parseByteSize(values['max-batch-bytes'], '--max-batch-bytes') : DEFAULT_MAX_BATCH_BYTES;
  if (maxBatchBytes < 1024 || maxBatchBytes > ZIP_MAX_BYTES) {
    throw new UsageError(`--max-batch-bytes must be between 1KiB and 4GiB-1 (classic ZIP limits), not ${maxBatchBytes}`);
  }
  const appEnrollmentId = values['app-enrollment-id'];
  if (appEnrollmentId !== undefined && !UUID.test(appEnrollmentId)) {
    throw new UsageError(`--app-enrollment-id: "${appEnrollmentId}" is not a UUID`);
  }
  if (values.delimiter !== undefined && [...values.delimiter].length !== 1) {
    throw new UsageError('--delimiter takes a single character');
  }
  if (values.format === 'batch-json' && values['entry-format'] === 'csv') {
    throw new UsageError('--format batch-json writes JSON documents; --entry-format csv does not apply');
  }
  if (values.full && (values.since !== undefined || values.window !== undefined)) {
    throw new UsageError('--full sends every record, so it cannot be combined with --since or --window');
  }
  if (values.since !== undefined && values.window !== undefined) throw new UsageError('give --since or --window, not both');
  const started = performance.now();
  const since =
    values.since !== undefined ? parseSince(values.since) : values.window !== undefined ? windowStart(values.window, Date.now()) : undefined;
  const options: BuildOptions = {
    inputs: positionals,
    explicit,
    mapping: values.mapping,
    outDir: values.out ?? (validateOnly ? '.' : 'out'),
    validateOnly,
    onInvalid: choiceOption(values['on-invalid'], '--on-invalid', ['skip', 'fail'] as const) ?? 'skip',
    maxErrors: integerOption(values['max-errors'], '--max-errors', 1),
    maxBatchBytes,
    maxBatchRecords: integerOption(values['max-batch-records'], '--max-batch-records', 1),
    maxRecordBytes: values['max-record-bytes'] ? parseByteSize(values['max-record-bytes'], '--max-record-bytes') : DEFAULT_MAX_RECORD_BYTES,
    isFullSync: values.full ?? false,
    duplicates: choiceOption(values.duplicates, '--duplicates', ['reject', 'last-wins', 'off'] as const),
    orphans: choiceOption(values.orphans, '--orphans', ['reject', 'warn', 'off'] as const),
    since,
    stateFile: values.state,
    appEnrollmentId,
    entryFormat: choiceOption(values['entry-format'], '--entry-format', ['csv', 'jsonl'] as const),
    format: choiceOption(values.format, '--format', ['zip', 'batch-json'] as const),
    level: integerOption(values.level, '--level', 0, 9),
    parallelBatches: integerOption(values['parallel-batches'], '--parallel-batches', 1, 8),
    delimiter: values.delimiter,
    encoding: choiceOption(values.encoding, '--encoding', ['utf-8', 'latin1'] as const),
    strict: values.strict ?? false,
    normalizeKeys: values['normalize-keys'] ?? false,
  };
  // A live line only where a person watches: a terminal, and no --quiet or --json.
  const progress = process.stderr.isTTY && !values.quiet && !values.json ? new ProgressDisplay(process.stderr) : undefined;
  options.onProgress = progress?.update;
  boundHeapGrowth();
  let result;
  try {
    result = await withSignals((signal) => runBuild({ ...options, signal }));
  } finally {
    progress?.clear();
  }
  const seconds = (performance.now() - started) / 1000;
  if (values.json) {
    console.log(JSON.stringify({ ...result.counts, batches: result.batches, inputs: result.inputs, warnings: result.warnings, rejects: result.rejectsFile, orphanWarnings: result.orphanWarnings, warningsFile: result.warningsFile, manifest: result.manifestFile, seconds }, null, 2));
  } else if (!values.quiet) {
    for (const w of result.warnings) console.error(`warning: ${w}`);
    console.log(buildSummary(result, options.outDir, seconds));
  }
  return 0;
}

/**
 * Runs `task` with an AbortSignal that SIGINT and SIGTERM abort, so the build
 * stops cleanly and removes its temporary files. A second signal ends the
 * process at once, for a cleanup that hangs.
 */
async function withSignals<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(128 + (name === 'SIGINT' ? 2 : 15));
    controller.abort(new Error(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await task(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
