// NDJSON and JSON-array parsing: sagesync's splitters (cut each record out,
// then JSON.parse) against stream-json's token streaming. Checked first.
import { Readable } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';
import { JsonArrayEngine, NdjsonEngine } from '../src/sources/json-engine.js';
import { check, generatedText, newBench, runAndReport } from './lib/micro.js';

const ROWS = 10_000;
const ndjson = generatedText('InvoiceLine', 'ndjson', ROWS).text;
const array = generatedText('InvoiceLine', 'json', ROWS).text;
const CHUNK = 1 << 20;

function splitter(engine: NdjsonEngine | JsonArrayEngine, text: string): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  for (let i = 0; i < text.length; i += CHUNK) {
    engine.push(text.slice(i, i + CHUNK));
    for (const o of engine.take().objects) objects.push(o);
  }
  engine.end();
  for (const o of engine.take().objects) objects.push(o);
  return objects;
}
const options = { maxRecordChars: 1 << 24 };
const sagesyncNdjson = () => splitter(new NdjsonEngine(options), ndjson);
const sagesyncArray = () => splitter(new JsonArrayEngine(options), array);

async function streamJson(): Promise<unknown[]> {
  const values: unknown[] = [];
  const chunks = [];
  for (let i = 0; i < array.length; i += CHUNK) chunks.push(array.slice(i, i + CHUNK));
  const stream = Readable.from(chunks).pipe(streamArray.withParserAsStream());
  for await (const item of stream) values.push((item as { value: unknown }).value);
  return values;
}

const fromNdjson = sagesyncNdjson();
const fromArray = sagesyncArray();
check(fromNdjson.length === ROWS && fromArray.length === ROWS, 'both splitters yield every record');
check(fromNdjson.every((o, i) => o.erpKey === fromArray[i].erpKey && Object.keys(o).length === 24), 'records agree');
const fromStreamJson = (await streamJson()) as Record<string, unknown>[];
check(fromStreamJson.length === ROWS && fromStreamJson.every((o, i) => o.erpKey === fromArray[i].erpKey), 'stream-json agrees');

await runAndReport(
  'parse NDJSON: InvoiceLine',
  newBench().add('sagesync NdjsonEngine', sagesyncNdjson),
  ROWS,
  Buffer.byteLength(ndjson),
);
await runAndReport(
  'parse JSON array: InvoiceLine',
  newBench().add('sagesync JsonArrayEngine (splitter + JSON.parse)', sagesyncArray).add('stream-json parser + streamArray', streamJson),
  ROWS,
  Buffer.byteLength(array),
);
