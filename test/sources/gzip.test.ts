import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../src/errors.js';
import { runBuild } from '../../src/pipeline/build.js';
import { getModel } from '../../src/schema/index.js';
import { writeProtobufRecords } from '../../src/sources/protobuf.js';
import { readZip, tempDir } from '../helpers.js';

/** One small export per input format, each for a different model, with one bad record. */
async function writeInputs(dir: string): Promise<string[]> {
  await writeFile(join(dir, 'companies.csv'), 'erpKey,companyName,companyType,isActive\nC-1,"Acme, Inc.",Customer,true\nC-2,Bad,Customer,maybe\n');
  await writeFile(join(dir, 'contacts.ndjson'), '{"erpKey":"CT-1","companyErpKey":"C-1","isActive":true,"contactName":"Jane"}\n{"erpKey":"CT-2"}\n');
  await writeFile(join(dir, 'invoices.jsonl'), '{"erpKey":"I-1","companyErpKey":"C-1","customerErpKey":"C-1","currencyRate":1.50,"totalAmount":12345678901234567.89}\n');
  await writeFile(join(dir, 'payments.json'), JSON.stringify([{ erpKey: 'P-1', companyErpKey: 'C-1', paymentType: 'AR Payment', isOpen: false, paymentDate: '2024-03-01', postDate: '2024-03-01', paymentAmount: '10.00', unappliedAmount: '0', currencyRate: '1', baseCurrencyPaymentAmount: '10.00', baseCurrencyUnappliedAmount: '0' }]));
  await writeProtobufRecords(join(dir, 'invoice_lines.pb'), getModel('InvoiceLine'), [
    { erpKey: 'L-1', invoiceErpKey: 'I-1', lineNumber: '1', quantity: '2.50' },
    { erpKey: 'L-2', invoiceErpKey: 'I-1' },
  ]);
  return ['companies.csv', 'contacts.ndjson', 'invoices.jsonl', 'payments.json', 'invoice_lines.pb'];
}

describe('gzip-compressed inputs', () => {
  it('read every format (.csv.gz, .ndjson.gz, .jsonl.gz, .json.gz, .pb.gz) exactly as the plain files', async (t) => {
    const dir = await tempDir(t);
    const plain = join(dir, 'plain');
    const packed = join(dir, 'packed');
    await mkdir(plain);
    await mkdir(packed);
    for (const name of await writeInputs(plain)) {
      // Level 1 and a tiny input exercise the stream; the content is what matters.
      await writeFile(join(packed, name + '.gz'), gzipSync(await readFile(join(plain, name)), { level: 1 }));
    }
    const a = await runBuild({ inputs: [plain], outDir: join(dir, 'out-plain'), maxBatchBytes: 1e6 });
    const b = await runBuild({ inputs: [packed], outDir: join(dir, 'out-packed'), maxBatchBytes: 1e6 });
    assert.deepEqual(b.counts, a.counts);
    assert.deepEqual(b.counts.byModel, {
      Company: { read: 2, written: 1, rejected: 1, unchanged: 0, outOfWindow: 0 },
      Contact: { read: 2, written: 1, rejected: 1, unchanged: 0, outOfWindow: 0 },
      Invoice: { read: 1, written: 1, rejected: 0, unchanged: 0, outOfWindow: 0 },
      InvoiceLine: { read: 2, written: 1, rejected: 1, unchanged: 0, outOfWindow: 0 },
      Payment: { read: 1, written: 1, rejected: 0, unchanged: 0, outOfWindow: 0 },
    });
    const entriesA = await readZip(join(dir, 'out-plain', a.batches[0].file));
    const entriesB = await readZip(join(dir, 'out-packed', b.batches[0].file));
    assert.deepEqual(entriesB, entriesA);
    assert.match(entriesB.get('invoice.csv')!, /12345678901234567\.89/);
    assert.match(entriesB.get('invoiceline.csv')!, /L-1,I-1,1,2\.50/);
    const rejects = (text: string) => text.split('\n').map((l) => l.replace(/^[^,]*\.(csv|ndjson|jsonl|json|pb)(\.gz)?,/, '$1,'));
    assert.deepEqual(rejects(await readFile(b.rejectsFile, 'utf8')), rejects(await readFile(a.rejectsFile, 'utf8')));
  });

  it('a corrupt .gz stops the run with a located error, never a crash', async (t) => {
    const dir = await tempDir(t);
    const good = gzipSync('erpKey,baseCurrencyCode\n'.repeat(1));
    await writeFile(join(dir, 'basecurrency.csv.gz'), Buffer.concat([good.subarray(0, 12), Buffer.from('garbage')]));
    await assert.rejects(runBuild({ inputs: [dir], outDir: join(dir, 'out'), maxBatchBytes: 1e6 }), (error: Error) => {
      assert.ok(error instanceof DataError);
      assert.match(error.message, /basecurrency\.csv\.gz: not a valid gzip file/);
      return true;
    });
  });
});
