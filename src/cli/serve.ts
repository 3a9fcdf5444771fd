import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { DEFAULT_PORT, SyncService, type Faults, type ServeOptions } from '../serve/server.js';
import { parseByteSize } from '../util/size.js';
import { resolveApiKey } from './api-key.js';
import { choiceOption, integerOption, parsingArgs } from './args.js';

export const SERVE_HELP = `usage: sagesync serve [options]

Runs a local Sage Network sync service on 127.0.0.1 for offline tests:
POST /api/v1/Sync/zip, POST /api/v1/Sync/batch, GET /api/v1/Sync/{id}
(?include=Details), GET /api/v1/Sync/query, and GET /records/{model}, which
exports the merged records of a model as NDJSON. Prints the address it
listens on, then serves until interrupted.

options:
  --port N                  port on 127.0.0.1 (default: ${DEFAULT_PORT}; 0 picks a free one)
  --db FILE                 keep the SQLite database in FILE (default: in memory)
  --api-key KEY             the key clients must send (default: SAGE_API_KEY)
  --api-key-file FILE       read the key from the first line of FILE
  --max-upload-bytes SIZE   largest request body; bigger ones get 413 (default: 100MB)
  --max-entries N           most entries in one ZIP (default: 100)
  --max-uncompressed SIZE   largest total uncompressed size of one ZIP (default: 4GiB)
  --max-ratio N             largest compression ratio of an entry over 1 MiB (default: 100)
  --fail-rate R             answer this share (0-1) of API requests with --status
  --status 429|500|drop     what an injected failure is (default: 500); drop
                            closes the connection unanswered, after accepting
                            an upload
  --latency MS              delay every request by MS milliseconds
  --processing-delay MS     keep every sync "In Progress" for MS milliseconds

exit status: 0 stopped by a signal, 2 usage error.`;

function faultStatus(choice: '429' | '500' | 'drop'): Faults['status'] {
  return choice === 'drop' ? 'drop' : choice === '429' ? 429 : 500;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parsingArgs(() => parseArgs({ args: argv, allowPositionals: true, options: {
    port: { type: 'string' },
    db: { type: 'string' },
    'api-key': { type: 'string' },
    'api-key-file': { type: 'string' },
    'max-upload-bytes': { type: 'string' },
    'max-entries': { type: 'string' },
    'max-uncompressed': { type: 'string' },
    'max-ratio': { type: 'string' },
    'fail-rate': { type: 'string' },
    status: { type: 'string' },
    latency: { type: 'string' },
    'processing-delay': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } }));
  if (values.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments, got ${positionals.join(' ')}`);
  const apiKey = await resolveApiKey(values['api-key'], values['api-key-file']);
  if (!apiKey) throw new UsageError('serve needs an API key: --api-key, --api-key-file or SAGE_API_KEY');
  const failRate = values['fail-rate'] === undefined ? 0 : Number(values['fail-rate']);
  if (!(failRate >= 0 && failRate <= 1)) throw new UsageError(`--fail-rate: "${values['fail-rate']}" must be a number from 0 to 1`);
  const options: ServeOptions = {
    port: integerOption(values.port, '--port', 0, 65535) ?? DEFAULT_PORT,
    apiKey,
    db: values.db,
    maxUploadBytes: values['max-upload-bytes'] ? parseByteSize(values['max-upload-bytes'], '--max-upload-bytes') : 100_000_000,
    guards: {
      maxEntries: integerOption(values['max-entries'], '--max-entries', 1) ?? 100,
      maxUncompressedBytes: values['max-uncompressed'] ? parseByteSize(values['max-uncompressed'], '--max-uncompressed') : 4 * 1024 ** 3,
      maxRatio: integerOption(values['max-ratio'], '--max-ratio', 1) ?? 100,
      maxRecordChars: 16 * 1024 * 1024,
    },
    faults: {
      failRate,
      status: faultStatus(choiceOption(values.status, '--status', ['429', '500', 'drop'] as const) ?? '500'),
      latencyMs: integerOption(values.latency, '--latency', 0, 600_000) ?? 0,
      processingDelayMs: integerOption(values['processing-delay'], '--processing-delay', 0, 3_600_000) ?? 0,
    },
  };
  const running = await new SyncService(options).listen();
  console.log(`sagesync serve listening on ${running.url} (${options.db ? `database ${options.db}` : 'in-memory database'})`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  return 0;
}
