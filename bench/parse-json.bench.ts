// NDJSON and JSON-array parsing: sagesync's splitters (cut each record out,
// then JSON.parse, or the field scanner the build uses) against stream-json's
// token streaming. Checked first.
import { Readable } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';
import { JsonArrayEngine, NdjsonEngine } from '../src/sources/json-engine.js';
import { check, generatedText, newBench, PUSH_CHUNK, pushAll, runAndReport } from './lib/micro.js';

const ROWS = 10_000;
const ndjson = generatedText('InvoiceLine', 'ndjson', ROWS).text;
const array = generatedText('InvoiceLine', 'json', ROWS).text;

function splitter(engine: NdjsonEngine | JsonArrayEngine, text: string): Record<string, unknown>[] {
  return pushAll(engine, text, () => engine.take().objects);
}
const options = { maxRecordChars: 1 << 24 };
const sagesyncNdjson = () => splitter(new NdjsonEngine(options), ndjson);
const sagesyncArray = () => splitter(new JsonArrayEngine(options), array);

function fieldSplitter(engine: NdjsonEngine | JsonArrayEngine, text: string): unknown[][] {
  return pushAll(engine, text, () => engine.take().fields);
}
const fieldOptions = { ...options, fields: true };
const fieldsNdjson = () => fieldSplitter(new NdjsonEngine(fieldOptions), ndjson);
const fieldsArray = () => fieldSplitter(new JsonArrayEngine(fieldOptions), array);

async function streamJson(): Promise<unknown[]> {
  const values: unknown[] = [];
  const chunks = [];
  for (let i = 0; i < array.length; i += PUSH_CHUNK) chunks.push(array.slice(i, i + PUSH_CHUNK));
  const stream = Readable.from(chunks).pipe(streamArray.withParserAsStream());
  for await (const item of stream) values.push((item as { value: unknown }).value);
  return values;
}

const fromNdjson = sagesyncNdjson();
const fromArray = sagesyncArray();
check(fromNdjson.length === ROWS && fromArray.length === ROWS, 'both splitters yield every record');
check(fromNdjson.every((o, i) => o.erpKey === fromArray[i].erpKey && Object.keys(o).length === 24), 'records agree');
const asObject = (fields: unknown[]) => Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, k) => [fields[2 * k], fields[2 * k + 1]]));
const fieldRecords = fieldsNdjson();
check(fieldRecords.length === ROWS && fieldsArray().length === ROWS, 'the field scanner yields every record');
check(
  fieldRecords.every((f, i) => {
    const o = asObject(f);
    return o.erpKey === fromNdjson[i].erpKey && o.unitPrice === String(fromNdjson[i].unitPrice).replace('\u0000#', '') && f.length === 48;
  }),
  'field lists agree with the parsed objects',
);
const fromStreamJson = (await streamJson()) as Record<string, unknown>[];
check(fromStreamJson.length === ROWS && fromStreamJson.every((o, i) => o.erpKey === fromArray[i].erpKey), 'stream-json agrees');

await runAndReport(
  'parse NDJSON: InvoiceLine',
  newBench().add('sagesync NdjsonEngine (JSON.parse + exact numbers)', sagesyncNdjson).add('sagesync NdjsonEngine, field lists (the build)', fieldsNdjson),
  ROWS,
  Buffer.byteLength(ndjson),
);
await runAndReport(
  'parse JSON array: InvoiceLine',
  newBench()
    .add('sagesync JsonArrayEngine (splitter + JSON.parse)', sagesyncArray)
    .add('sagesync JsonArrayEngine, field lists (the build)', fieldsArray)
    .add('stream-json parser + streamArray', streamJson),
  ROWS,
  Buffer.byteLength(array),
);
