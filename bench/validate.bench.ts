// Validation per model: the compiled row validator over parsed CSV records of
// every model, and the fused path validate + format. Checked first: every
// generated record passes.
import { exportedFields } from '../src/generate/records.js';
import { ALL_MODELS } from '../src/schema/index.js';
import { csvFormatter } from '../src/sinks/format.js';
import { CsvEngine } from '../src/sources/csv-engine.js';
import type { SourceBatch } from '../src/sources/types.js';
import { resolveColumns } from '../src/validate/columns.js';
import { compileRowValidator } from '../src/validate/compile.js';
import { check, generatedText, newBench, runAndReport } from './lib/micro.js';

const ROWS = 10_000;
const models = process.argv[2] ? ALL_MODELS.filter((m) => m.name === process.argv[2]) : ALL_MODELS;

for (const model of models) {
  const { text } = generatedText(model.name, 'csv', ROWS);
  const engine = new CsvEngine({ delimiter: ',', maxRecordChars: 1 << 24 });
  engine.push(text);
  engine.end();
  const { rows, lines } = engine.take();
  const header = rows[0];
  const batch: SourceBatch = { kind: 'rows', rows: rows.slice(1), lines: lines.slice(1), problems: [] };
  const columns = exportedFields(model);
  const validate = compileRowValidator(model, columns, header, resolveColumns(model, header, 'header').fields);
  const formatter = csvFormatter(columns);
  const result = validate(batch);
  check(result.rows.length === ROWS && result.rejects.length === 0, `${model.name}: every generated record is valid`);
  const formatted = result.rows.map((row) => formatter.line(row)).join('');
  check(formatted === text.slice(text.indexOf('\n') + 1), `${model.name}: formatting canonical input gives it back unchanged`);
  const bench = newBench()
    .add(`${model.name}: validate`, () => validate(batch))
    .add(`${model.name}: format`, () => result.rows.map((row) => formatter.line(row)))
    .add(`${model.name}: validate + format + join`, () => validate(batch).rows.map((row) => formatter.line(row)).join(''));
  await runAndReport(`validate ${model.name} (${columns.length} columns)`, bench, ROWS);
}
