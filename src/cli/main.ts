import { SageSyncError } from '../errors.js';
import { BuildInterrupted, StoppedForData } from '../pipeline/build.js';
import { accountingLine, countsTable } from './summary.js';
import { buildCommand } from './build.js';
import { mappingCommand } from './mapping.js';
import { protoText } from '../schema/proto.js';
import { serveCommand } from './serve.js';
import { uploadCommand } from './upload.js';
import { generateCommand } from './generate.js';

const HELP = `usage: sagesync <command> [options]

commands:
  build <inputs>...      validate ERP exports and write upload batches
  validate <inputs>...   run the same checks; write only rejects.csv
  mapping --schema       print the JSON Schema of mapping files
  proto                  print the .proto of the sync models (protobuf inputs)
  upload <out-dir>       send a build's batches to the Sage Network and follow them
  serve                  run a local Sage Network sync service for offline tests
  generate               write a synthetic ERP export (for tests and benchmarks)

"sagesync <command> --help" describes a command's options.`;

/** Runs the CLI; resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'build':
        return await buildCommand(rest, false);
      case 'validate':
        return await buildCommand(rest, true);
      case 'mapping':
        return await mappingCommand(rest);
      case 'proto':
        process.stdout.write(protoText());
        return 0;
      case 'upload':
        return await uploadCommand(rest);
      case 'serve':
        return await serveCommand(rest);
      case 'generate':
        return await generateCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(HELP);
        return 0;
      default:
        console.error(`sagesync: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof StoppedForData) {
      console.error(`sagesync: ${error.message}`);
      console.error(countsTable(error.counts));
      console.error(`${accountingLine(error.counts)}; no batches were kept`);
      console.error(`rejects: ${error.rejectsFile}`);
      return 1;
    }
    if (error instanceof BuildInterrupted) {
      console.error(`sagesync: ${error.message}`);
      console.error(countsTable(error.counts));
      return error.reason === 'SIGTERM' ? 143 : 130;
    }
    if (error instanceof SageSyncError) {
      console.error(`sagesync: ${error.message}`);
      return error.exitCode;
    }
    if (isSystemError(error)) {
      // Disk full, permission denied, ...: Node's message names the call and the path.
      console.error(`sagesync: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
