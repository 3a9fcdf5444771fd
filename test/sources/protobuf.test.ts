import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBuild } from '../../src/pipeline/build.js';
import { getModel } from '../../src/schema/index.js';
import { protoType } from '../../src/schema/proto.js';
import { ProtobufEngine } from '../../src/sources/protobuf-engine.js';
import { protobufDecoder, writeProtobufRecords } from '../../src/sources/protobuf.js';
import { parseCsv, readZip, tempDir } from '../helpers.js';

const invoice = getModel('Invoice');
const type = protoType(invoice);

function frames(records: Record<string, unknown>[]): Buffer {
  return Buffer.concat(records.map((r) => type.encodeDelimited(type.fromObject(r)).finish()));
}

function run(bytes: Buffer[], maxRecordBytes = 1024) {
  const engine = new ProtobufEngine({ maxRecordBytes, decode: protobufDecoder(invoice) });
  for (const chunk of bytes) engine.push(chunk);
  engine.end();
  return engine.take();
}

const RECORDS = [
  { erpKey: 'INV-1', companyErpKey: 'ACME', customerErpKey: 'C-1', currencyRate: '1', totalAmount: '12345678901234567.89', invoiceDate: '2024-02-29', isVoided: false },
  { erpKey: 'INV-2', companyErpKey: 'ACME', customerErpKey: 'C-2', currencyRate: '1.0850', specialTerms: 'Ünïcode ✓, "quoted"' },
  { erpKey: 'INV-3', companyErpKey: 'ACME', customerErpKey: 'C-3', currencyRate: '1', totalAmount: 'not a number' },
];

describe('ProtobufEngine', () => {
  it('decodes messages split at every byte boundary, keeping only the fields present', () => {
    const bytes = frames(RECORDS.slice(0, 2));
    const whole = run([bytes]);
    const byByte = run([...bytes].map((b) => Buffer.from([b])));
    assert.deepEqual(byByte, whole);
    assert.deepEqual(whole.objects, RECORDS.slice(0, 2));
    assert.deepEqual(whole.lines, [1, 2]);
  });

  it('rejects a length prefix over --max-record-bytes with its byte offset, skips it, and reads on', () => {
    const first = frames([RECORDS[0]]);
    const big = frames([{ ...RECORDS[1], specialTerms: 'x'.repeat(5000) }]);
    const last = frames([RECORDS[1]]);
    const bytes = Buffer.concat([first, big, last]);
    for (const chunks of [[bytes], [...Array(Math.ceil(bytes.length / 700)).keys()].map((i) => bytes.subarray(i * 700, i * 700 + 700))]) {
      const { objects, lines, problems } = run(chunks, 1024);
      assert.deepEqual(objects.map((o) => o.erpKey), ['INV-1', 'INV-2']);
      assert.deepEqual(lines, [1, 3]);
      assert.equal(problems.length, 1);
      assert.equal(problems[0].code, 'MALFORMED');
      assert.equal(problems[0].line, 2);
      assert.match(problems[0].reason, new RegExp(`^message 2 at byte offset ${first.length}: length prefix of \\d+ bytes is larger than --max-record-bytes \\(1024\\)`));
    }
  });

  it('never allocates for an absurd length prefix', () => {
    // A prefix announcing 2^49 bytes, then a little data and the end of the file.
    const prefix = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    const { objects, problems } = run([prefix, Buffer.alloc(100)], 16 * 1024 * 1024);
    assert.deepEqual(objects, []);
    assert.equal(problems.length, 1);
    assert.match(problems[0].reason, /^message 1 at byte offset 0: length prefix of 562949953421312 bytes/);
  });

  it('rejects a truncated message and a truncated prefix with their offsets', () => {
    const whole = frames([RECORDS[0], RECORDS[1]]);
    const cut = run([whole.subarray(0, whole.length - 3)]);
    assert.deepEqual(cut.objects.map((o) => o.erpKey), ['INV-1']);
    assert.equal(cut.problems.length, 1);
    assert.match(cut.problems[0].reason, new RegExp(`^message 2 at byte offset ${frames([RECORDS[0]]).length}: the message is cut off`));
    const prefixOnly = run([Buffer.concat([frames([RECORDS[0]]), Buffer.from([0x96])])]);
    assert.match(prefixOnly.problems[0].reason, /the file ends inside a length prefix/);
  });

  it('rejects a message whose bytes are not a valid message, keeping the framing', () => {
    const garbage = Buffer.from([0x03, 0x0a, 0x05, 0x41]);
    const { objects, problems } = run([Buffer.concat([garbage, frames([RECORDS[0]])])]);
    assert.deepEqual(objects.map((o) => o.erpKey), ['INV-1']);
    assert.match(problems[0].reason, /^message 1 at byte offset 0: not a valid message/);
  });
});

describe('protobuf inputs', () => {
  it('round-trips: write, build, read back the ZIP with exact values and located rejects', async (t) => {
    const dir = await tempDir(t);
    const count = await writeProtobufRecords(join(dir, 'invoices.pb'), invoice, RECORDS);
    assert.equal(count, 3);
    // A truncated copy of the same file, under the other extension.
    const bytes = await readFile(join(dir, 'invoices.pb'));
    await mkdir(join(dir, 'more'));
    await writeFile(join(dir, 'more', 'Invoice.binpb'), bytes.subarray(0, bytes.length - 2));
    const out = join(dir, 'out');
    // The copy repeats every key on purpose: the duplicate check is not what this test is about.
    const result = await runBuild({ inputs: [join(dir, 'invoices.pb'), join(dir, 'more', 'Invoice.binpb')], outDir: out, maxBatchBytes: 1e6, duplicates: 'off' });
    const rows = await parseCsv((await readZip(join(out, result.batches[0].file))).get('invoice.csv')!);
    const expected = [
      { erpKey: 'INV-1', companyErpKey: 'ACME', customerErpKey: 'C-1', specialTerms: '', totalAmount: '12345678901234567.89', invoiceDate: '2024-02-29', isVoided: 'false', currencyRate: '1' },
      { erpKey: 'INV-2', companyErpKey: 'ACME', customerErpKey: 'C-2', specialTerms: 'Ünïcode ✓, "quoted"', totalAmount: '', invoiceDate: '', isVoided: '', currencyRate: '1.0850' },
    ];
    assert.deepEqual(rows, [...expected, ...expected]);
    const rejects = await parseCsv(await readFile(result.rejectsFile, 'utf8'));
    assert.deepEqual(rejects.map((r) => [r.file.replace(/^.*[/\\]/, ''), r.line, r.erpKey, r.field, r.code]), [
      ['invoices.pb', '3', 'INV-3', 'totalAmount', 'NUMBER'],
      ['Invoice.binpb', '3', '', '', 'MALFORMED'],
    ]);
    assert.match(rejects[1].reason, /message 3 at byte offset \d+: the message is cut off/);
  });

  it('the writer refuses a record its message cannot hold', async (t) => {
    const dir = await tempDir(t);
    await assert.rejects(writeProtobufRecords(join(dir, 'x.pb'), invoice, [{ erpKey: 7 }]), /Invoice record 1: erpKey: string expected/);
  });
});
