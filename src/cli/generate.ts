import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { runGenerate } from '../generate/write.js';
import { ALL_MODELS, modelForName } from '../schema/index.js';
import { formatBytes } from '../util/size.js';
import { choiceOption, integerOption, parsingArgs } from './args.js';

export const GENERATE_HELP = `usage: sagesync generate [options]

Writes a synthetic, referentially consistent ERP export of every model: one
file per model (company.csv, invoice.csv, invoiceline.csv, ...) whose columns,
types, enums and keys follow the Sage Network contract. The same --seed gives
the same files. With --defect-rate, extra bad records are mixed in and listed
in truth/defects.csv (file, line, erpKey, field, expected reject code).

options:
  --out DIR                 output folder (default: generated)
  --format csv|ndjson|json|protobuf
                            file format (default: csv); protobuf writes
                            length-delimited .pb files (see sagesync proto)
  --invoices N              invoices (default: 1000); other models scale with it:
                            companies and payments too, unless given
  --lines-per-invoice N     invoice lines per invoice (default: 4)
  --payments N              payments (default: invoices / 2)
  --companies N             companies (default: invoices / 20)
  --journal-entries N       journal entries (default: invoices / 10), 2 lines each
  --count MODEL=N           records of MODEL, overriding the above (repeatable)
  --models LIST             write only these models (comma-separated)
  --seed N                  random seed (default: 1)
  --defect-rate R           share of extra defective records, 0 to 1 (default: 0)
  --quiet                   print nothing`;

export async function generateCommand(argv: string[]): Promise<number> {
  const { values } = parsingArgs(() => parseArgs({ args: argv, options: {
    out: { type: 'string' },
    format: { type: 'string' },
    invoices: { type: 'string' },
    'lines-per-invoice': { type: 'string' },
    payments: { type: 'string' },
    companies: { type: 'string' },
    'journal-entries': { type: 'string' },
    count: { type: 'string', multiple: true },
    models: { type: 'string' },
    seed: { type: 'string' },
    'defect-rate': { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } }));
  if (values.help) {
    console.log(GENERATE_HELP);
    return 0;
  }
  const defectRate = values['defect-rate'] === undefined ? 0 : Number(values['defect-rate']);
  if (!(defectRate >= 0 && defectRate <= 1)) throw new UsageError(`--defect-rate: "${values['defect-rate']}" must be a number from 0 to 1`);
  const modelNamed = (name: string, flag: string) => {
    const model = modelForName(name.trim());
    if (!model) throw new UsageError(`${flag}: no model is named "${name}"; models: ${ALL_MODELS.map((m) => m.name).join(', ')}`);
    return model;
  };
  const counts: Record<string, number> = {};
  for (const spec of values.count ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UsageError(`--count ${spec}: expected MODEL=N`);
    counts[modelNamed(spec.slice(0, eq), '--count').name] = integerOption(spec.slice(eq + 1), '--count', 0)!;
  }
  const outDir = values.out ?? 'generated';
  const started = performance.now();
  const { files, truthFile } = await runGenerate({
    outDir,
    format: choiceOption(values.format, '--format', ['csv', 'ndjson', 'json', 'protobuf'] as const) ?? 'csv',
    invoices: integerOption(values.invoices, '--invoices', 0) ?? 1000,
    linesPerInvoice: integerOption(values['lines-per-invoice'], '--lines-per-invoice', 0) ?? 4,
    payments: integerOption(values.payments, '--payments', 0),
    companies: integerOption(values.companies, '--companies', 1),
    journalEntries: integerOption(values['journal-entries'], '--journal-entries', 0),
    counts,
    models: values.models?.split(',').map((name) => modelNamed(name, '--models')),
    seed: integerOption(values.seed, '--seed', 0, 0xffffffff) ?? 1,
    defectRate,
  });
  if (!values.quiet) {
    const seconds = (performance.now() - started) / 1000;
    const records = files.reduce((sum, f) => sum + f.records, 0);
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
    const defects = files.reduce((sum, f) => sum + f.defects, 0);
    console.log(`generated ${records.toLocaleString('en-US')} records (${formatBytes(bytes)}) in ${files.length} files in ${outDir} in ${seconds.toFixed(1)} s`);
    for (const f of files) console.log(`  ${f.file.padEnd(36)} ${f.records.toLocaleString('en-US').padStart(12)} records  ${formatBytes(f.bytes).padStart(10)}`);
    console.log(`defects: ${defects.toLocaleString('en-US')} listed in ${truthFile}`);
  }
  return 0;
}
