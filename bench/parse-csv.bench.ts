// CSV parsing alone: sagesync's push engine against the parsers a user would
// otherwise pick. Each parser's records are checked before it is timed.
import { parse as csvParseSync } from 'csv-parse/sync';
import { parseString } from 'fast-csv';
import { inferSchema, initParser } from 'udsv';
import { CsvEngine } from '../src/sources/csv-engine.js';
import { check, generatedText, newBench, pushAll, runAndReport } from './lib/micro.js';

const ROWS = 20_000;
const { text } = generatedText('InvoiceLine', 'csv', ROWS);
const width = text.slice(0, text.indexOf('\n')).split(',').length;

function sagesync(): string[][] {
  const engine = new CsvEngine({ delimiter: ',', maxRecordChars: 1 << 24 });
  return pushAll(engine, text, () => engine.take().rows);
}

/** As a build that writes CSV parses: each record's own text kept where it can be written as it came. */
function sagesyncVerbatim(): (string | undefined)[] {
  const engine = new CsvEngine({ delimiter: ',', maxRecordChars: 1 << 24, keepVerbatim: true });
  return pushAll(engine, text, () => engine.take().verbatim!);
}

function fastCsv(): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseString(text).on('data', (row: string[]) => rows.push(row)).on('end', () => resolve(rows)).on('error', reject);
  });
}

const csvParse = (): string[][] => csvParseSync(text, { relax_column_count: true });

function udsv(): string[][] {
  const parser = initParser(inferSchema(text.slice(0, 64 * 1024)));
  return parser.stringArrs(text);
}

const expected = sagesync();
check(expected.length === ROWS + 1 && expected.every((r) => r.length === width), 'sagesync parses every row with every field');
const description = expected[0].indexOf('description');
check(expected.some((r) => r[description].includes('"') && r[description].includes(',')), 'quoted descriptions are unescaped');
const same = (rows: string[][], header: boolean) => {
  const body = header ? rows.slice(1) : rows;
  return body.length === ROWS && body.every((r, i) => r.join('\u0001') === expected[i + 1].join('\u0001'));
};
check(sagesyncVerbatim().join('') === text, 'every generated record is kept verbatim, and the texts make up the input');
check(same(await fastCsv(), true), 'fast-csv agrees');
check(same(csvParse(), true), 'csv-parse agrees');
check(same(udsv(), false), 'udsv agrees');

const bench = newBench()
  .add('sagesync CsvEngine (1 MiB pushes)', sagesync)
  .add('sagesync CsvEngine, keeping verbatim records', sagesyncVerbatim)
  .add('udsv stringArrs (whole text)', udsv)
  .add('csv-parse/sync (arrays)', csvParse)
  .add('fast-csv parseString', fastCsv);
await runAndReport('parse CSV: InvoiceLine, 24 columns', bench, ROWS, Buffer.byteLength(text));
