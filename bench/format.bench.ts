// Output formatting of validated InvoiceLine rows: CSV and JSONL entry lines.
// Checked first: CSV of canonical input reproduces it; every JSONL line parses.
import { exportedFields } from '../src/generate/records.js';
import { csvFormatter, jsonlFormatter } from '../src/sinks/format.js';
import { CsvEngine } from '../src/sources/csv-engine.js';
import { resolveColumns } from '../src/validate/columns.js';
import { compileRowValidator } from '../src/validate/compile.js';
import { check, generatedText, newBench, runAndReport } from './lib/micro.js';

const ROWS = 20_000;
const { model, text } = generatedText('InvoiceLine', 'csv', ROWS);
const engine = new CsvEngine({ delimiter: ',', maxRecordChars: 1 << 24, keepVerbatim: true });
engine.push(text);
engine.end();
const { rows, lines, verbatim } = engine.take();
const columns = exportedFields(model);
const validate = compileRowValidator(model, columns, rows[0], resolveColumns(model, rows[0], 'header').fields);
const valid = validate({ kind: 'rows', rows: rows.slice(1), lines: lines.slice(1), problems: [] }).rows;
// As a build writing CSV gets them: each row carries its record's text, which the formatter returns as it is.
const validVerbatim = validate({ kind: 'rows', rows: rows.slice(1), lines: lines.slice(1), verbatim: verbatim!.slice(1), problems: [] }).rows;
const csv = csvFormatter(columns);
const jsonl = jsonlFormatter(columns);

const csvText = () => valid.map((row) => csv.line(row)).join('');
const csvVerbatimText = () => validVerbatim.map((row) => csv.line(row)).join('');
const jsonlText = () => valid.map((row) => jsonl.line(row)).join('');
check(csvText() === text.slice(text.indexOf('\n') + 1), 'CSV lines reproduce canonical input');
check(validVerbatim.every((row) => row.verbatim !== undefined) && csvVerbatimText() === csvText(), 'every row is verbatim, and gives the same lines');
const parsed = jsonlText().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
check(parsed.length === ROWS && parsed.every((o, i) => o.erpKey === valid[i][0]), 'every JSONL line parses to its record');

await runAndReport(
  'format InvoiceLine lines and join them into one chunk',
  newBench().add('csv', csvText).add('csv, verbatim records', csvVerbatimText).add('jsonl', jsonlText),
  ROWS,
);
