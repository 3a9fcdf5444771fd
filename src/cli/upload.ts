import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { BASE_URLS } from '../upload/client.js';
import { runUpload, type ModelTotals } from '../upload/run.js';
import { resolveApiKey } from './api-key.js';
import { choiceOption, integerOption, parsingArgs } from './args.js';

export const UPLOAD_HELP = `usage: sagesync upload [options] <out-dir>

Sends the batches listed in <out-dir>/manifest.json to the Sage Network
(POST /api/v1/Sync/zip, or /api/v1/Sync/batch for .json batches), follows each
sync until Success, Failed or Cancelled, saves its details to
<out-dir>/results/batch-0001.json, ... and prints a per-model summary.
Progress is kept in <out-dir>/upload-state.json: running the command again
skips batches that succeeded and resumes following those in flight.

The credential comes from SAGE_API_KEY or --api-key-file, never from the
command line, and is never printed or saved.

options:
  --env sandbox|production  which Sage Network (default: sandbox, ${BASE_URLS.sandbox})
  --base-url URL            any other server, e.g. http://127.0.0.1:5850/ for "sagesync serve"
  --api-key-file FILE       read the credential from the first line of FILE
  --auth api-key|bearer     send it as an Api-Key header (default) or a bearer token
  --concurrency N           batches in flight at once (default: 1)
  --timeout SECONDS         how long to follow one sync (default: 3600)
  --poll-interval MS        first wait between status checks; grows to 15 s (default: 2000)
  --retries N               retries of one request (default: 6)
  --retry-delay MS          first retry delay, doubled each time, jittered (default: 1000)
  --dry-run                 print what would be sent and send nothing
  --json                    print the outcome as JSON
  --quiet                   print nothing but errors

exit status: 0 every batch succeeded, 1 a batch failed, timed out or was not
sent, 2 usage error.`;

function table(byModel: Record<string, ModelTotals>): string {
  const rows = Object.entries(byModel);
  const width = Math.max(5, ...rows.map(([m]) => m.length));
  const line = (name: string, cells: (string | number)[]) => name.padEnd(width) + cells.map((c) => String(c).padStart(9)).join('');
  const total = rows.reduce((t, [, r]) => ({ insert: t.insert + r.insert, update: t.update + r.update, skip: t.skip + r.skip, error: t.error + r.error }), { insert: 0, update: 0, skip: 0, error: 0 });
  return [
    line('model', ['inserted', 'updated', 'skipped', 'errors']),
    ...rows.map(([model, r]) => line(model, [r.insert, r.update, r.skip, r.error])),
    line('total', [total.insert, total.update, total.skip, total.error]),
  ].join('\n');
}

export async function uploadCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parsingArgs(() => parseArgs({ args: argv, allowPositionals: true, options: {
    env: { type: 'string' },
    'base-url': { type: 'string' },
    'api-key-file': { type: 'string' },
    auth: { type: 'string' },
    concurrency: { type: 'string' },
    timeout: { type: 'string' },
    'poll-interval': { type: 'string' },
    retries: { type: 'string' },
    'retry-delay': { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } }));
  if (values.help) {
    console.log(UPLOAD_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('upload takes one output folder of "sagesync build"');
  const env = choiceOption(values.env, '--env', ['sandbox', 'production'] as const) ?? 'sandbox';
  if (values.env !== undefined && values['base-url'] !== undefined) throw new UsageError('give --env or --base-url, not both');
  let baseUrl = values['base-url'] ?? BASE_URLS[env];
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    baseUrl = url.href.endsWith('/') ? url.href : `${url.href}/`;
  } catch {
    throw new UsageError(`--base-url: "${baseUrl}" is not an http(s) URL`);
  }
  const secret = values['dry-run'] ? '' : await resolveApiKey(undefined, values['api-key-file']);
  if (secret === undefined) throw new UsageError('upload needs a credential: set SAGE_API_KEY or pass --api-key-file');
  const log = values.quiet || values.json ? () => undefined : (line: string) => console.error(line);
  const result = await runUpload({
    outDir: positionals[0],
    baseUrl,
    credentials: { secret, scheme: choiceOption(values.auth, '--auth', ['api-key', 'bearer'] as const) ?? 'api-key' },
    concurrency: integerOption(values.concurrency, '--concurrency', 1, 64) ?? 1,
    timeoutMs: (integerOption(values.timeout, '--timeout', 1) ?? 3600) * 1000,
    pollIntervalMs: integerOption(values['poll-interval'], '--poll-interval', 1) ?? 2000,
    policy: {
      retries: integerOption(values.retries, '--retries', 0, 100) ?? 6,
      baseDelayMs: integerOption(values['retry-delay'], '--retry-delay', 1) ?? 1000,
      maxDelayMs: 60_000,
    },
    dryRun: values['dry-run'],
    log: values['dry-run'] && !values.json ? (line) => console.log(line) : log,
  });
  const bad = result.batches.filter((b) => b.status !== 'succeeded' && b.status !== 'planned');
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
  } else if (!values['dry-run']) {
    for (const b of bad) console.error(`${b.file}: ${b.status}: ${b.message ?? ''}${b.resultsFile ? ` (details: ${b.resultsFile})` : ''}`);
    if (!values.quiet) {
      console.log(table(result.byModel));
      console.log(`${result.batches.length - bad.length} of ${result.batches.length} batches succeeded; progress in ${result.stateFile}`);
    }
  }
  return bad.length > 0 ? 1 : 0;
}
