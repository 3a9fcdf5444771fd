// NDJSON and JSON-array parsing: sagesync's splitters (cut each record out,
// then JSON.parse, or the field scanner the build uses) against stream-json's
// token streaming. Checked first.
import { Readable } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';
import { JsonArrayEngine, NdjsonEngine } from '../src/sources/json-engine.js';
import { check, generatedText, newBench, PUSH_CHUNK, pushAll, pushCount, runAndReport } from './lib/micro.js';

const ROWS = 10_000;
/** Timed at this size too: the field lists' lead grows with the input. */
const LARGE_ROWS = 200_000;
const ndjson = generatedText('InvoiceLine', 'ndjson', ROWS).text;
const array = generatedText('InvoiceLine', 'json', ROWS).text;
/** The same array on one line, as minified exports come: records share each chunk's searches. */
const minified = array.replace(/\n/g, '');

const options = { maxRecordChars: 1 << 24 };
const fieldOptions = { ...options, fields: true };
const engines = {
  ndjson: () => new NdjsonEngine(options),
  array: () => new JsonArrayEngine(options),
  fieldsNdjson: () => new NdjsonEngine(fieldOptions),
  fieldsArray: () => new JsonArrayEngine(fieldOptions),
};

// Collected, for the checks; the timed tasks count and drop, as the build drops each batch.
const objectsOf = (engine: NdjsonEngine | JsonArrayEngine, text: string) => pushAll(engine, text, () => engine.take().objects);
const fieldsOf = (engine: NdjsonEngine | JsonArrayEngine, text: string) => pushAll(engine, text, () => engine.take().fields);
const timed = (make: () => NdjsonEngine | JsonArrayEngine, text: string) => () => {
  const engine = make();
  return pushCount(engine, text, () => engine.take().lines);
};

async function streamJson(keep: boolean): Promise<unknown[] | number> {
  const values: unknown[] = [];
  let count = 0;
  const chunks = [];
  for (let i = 0; i < array.length; i += PUSH_CHUNK) chunks.push(array.slice(i, i + PUSH_CHUNK));
  const stream = Readable.from(chunks).pipe(streamArray.withParserAsStream());
  for await (const item of stream) {
    if (keep) values.push((item as { value: unknown }).value);
    count++;
  }
  return keep ? values : count;
}

const fromNdjson = objectsOf(engines.ndjson(), ndjson);
const fromArray = objectsOf(engines.array(), array);
check(fromNdjson.length === ROWS && fromArray.length === ROWS, 'both splitters yield every record');
check(fromNdjson.every((o, i) => o.erpKey === fromArray[i].erpKey && Object.keys(o).length === 24), 'records agree');
const asObject = (fields: unknown[]) => Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, k) => [fields[2 * k], fields[2 * k + 1]]));
const fieldRecords = fieldsOf(engines.fieldsNdjson(), ndjson);
check(
  fieldRecords.length === ROWS && fieldsOf(engines.fieldsArray(), array).length === ROWS && fieldsOf(engines.fieldsArray(), minified).length === ROWS,
  'the field scanner yields every record',
);
check(
  fieldRecords.every((f, i) => {
    const o = asObject(f);
    return o.erpKey === fromNdjson[i].erpKey && o.unitPrice === String(fromNdjson[i].unitPrice).replace('\u0000#', '') && f.length === 48;
  }),
  'field lists agree with the parsed objects',
);
const fromStreamJson = (await streamJson(true)) as Record<string, unknown>[];
check(fromStreamJson.length === ROWS && fromStreamJson.every((o, i) => o.erpKey === fromArray[i].erpKey), 'stream-json agrees');

/** The NDJSON engine read into objects and into field lists, on `text`. */
function ndjsonTasks(title: string, text: string, rows: number): Promise<void> {
  const bench = newBench()
    .add('sagesync NdjsonEngine (JSON.parse + exact numbers)', timed(engines.ndjson, text))
    .add('sagesync NdjsonEngine, field lists (the build)', timed(engines.fieldsNdjson, text));
  return runAndReport(title, bench, rows, Buffer.byteLength(text));
}

await ndjsonTasks('parse NDJSON: InvoiceLine', ndjson, ROWS);
await runAndReport(
  'parse JSON array: InvoiceLine',
  newBench()
    .add('sagesync JsonArrayEngine (splitter + JSON.parse)', timed(engines.array, array))
    .add('sagesync JsonArrayEngine, field lists (the build)', timed(engines.fieldsArray, array))
    .add('sagesync JsonArrayEngine, field lists, minified', timed(engines.fieldsArray, minified))
    .add('stream-json parser + streamArray', () => streamJson(false)),
  ROWS,
  Buffer.byteLength(array),
);

const largeNdjson = generatedText('InvoiceLine', 'ndjson', LARGE_ROWS).text;
check(timed(engines.fieldsNdjson, largeNdjson)() === LARGE_ROWS && timed(engines.ndjson, largeNdjson)() === LARGE_ROWS, 'every large record is read');
await ndjsonTasks('parse NDJSON at scale: InvoiceLine', largeNdjson, LARGE_ROWS);
