import { parseArgs } from 'node:util';
import { mappingJsonSchema } from '../mapping/schema.js';
import { loadMapping } from '../mapping/load.js';
import { parsingArgs } from './args.js';
import { UsageError } from '../errors.js';

export const MAPPING_HELP = `usage: sagesync mapping --schema
       sagesync mapping --check FILE

--schema       print the JSON Schema of mapping files (for editors and CI)
--check FILE   check a mapping file; mistakes name the JSON path of the entry

A mapping (build --mapping FILE) says, per input file (name or glob) or per
model, which source column or JSON path feeds each SyncModel field, with
constants, defaults, null tokens, date formats and time zones, decimal
locales, boolean and value synonyms, trimming, and nested child arrays.`;

export async function mappingCommand(argv: string[]): Promise<number> {
  const { values } = parsingArgs(() =>
    parseArgs({ args: argv, options: { schema: { type: 'boolean' }, check: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }),
  );
  if (values.help) {
    console.log(MAPPING_HELP);
    return 0;
  }
  if (values.schema) {
    console.log(JSON.stringify(mappingJsonSchema(), null, 2));
    return 0;
  }
  if (values.check !== undefined) {
    await loadMapping(values.check);
    console.log(`${values.check}: ok`);
    return 0;
  }
  throw new UsageError(`sagesync mapping: give --schema or --check FILE\n\n${MAPPING_HELP}`);
}
