// The ERP-shaped samples in samples/*/ run through the library and the CLI,
// with their mapping files, and the mapped values are checked one by one.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBuild } from '../../src/pipeline/build.js';
import { parseCsv, readZip, runCli, SAMPLES, tempDir } from '../helpers.js';

async function rowsOf(out: string, files: string[]) {
  const rows = new Map<string, Map<string, Record<string, string>>>();
  for (const file of files) {
    for (const [name, text] of await readZip(join(out, file))) {
      const byKey = rows.get(name) ?? new Map();
      for (const row of await parseCsv(text)) byKey.set(row.erpKey, row);
      rows.set(name, byKey);
    }
  }
  return rows;
}

async function rejectsOf(path: string) {
  return (await parseCsv(await readFile(path, 'utf8'))).map((r) => [r.file.replace(/^.*samples\//, ''), r.line, r.model, r.erpKey, r.field, r.code].join(' '));
}

const NETSUITE = join(SAMPLES, 'netsuite-style');
const SAP = join(SAMPLES, 'sap-style');

function checkNetsuite(rows: Awaited<ReturnType<typeof rowsOf>>) {
  const companies = rows.get('company.csv')!;
  assert.deepEqual([...companies.keys()], ['CUST-1001', 'CUST-1002', 'CUST-1003']);
  assert.deepEqual(companies.get('CUST-1002'), {
    erpKey: 'CUST-1002', companyName: 'Globex, Inc.', companyType: 'Customer', parentCompanyErpKey: 'CUST-1001', isActive: 'true',
    defaultCurrencyCode: 'USD', address1: '200 Market St, Suite 5', city: 'San Francisco', stateRegion: 'CA', postalCode: '94105', country: 'US',
    phoneNumber: '+1 555 0100', created: '2022-11-02', modified: '2024-02-28T17:45:00-08:00', emailAddress: 'billing@globex.example',
  });
  assert.equal(companies.get('CUST-1003')!.isActive, 'false', '"Inactive: Yes" maps to isActive false');
  assert.equal(companies.get('CUST-1003')!.emailAddress, '', '"- None -" is empty');
  // Pacific time: standard before 2024-03-10 02:00, daylight after.
  assert.equal(companies.get('CUST-1003')!.modified, '2024-03-10T00:00:00-08:00');
  const invoices = rows.get('invoice.csv')!;
  assert.deepEqual([...invoices.keys()], ['INV10001', 'INV10002', 'CM20001']);
  assert.deepEqual(
    ['INV10001', 'INV10002', 'CM20001'].map((k) => {
      const r = invoices.get(k)!;
      return [r.invoiceTypeCode, r.invoiceStatusCode, r.totalAmount, r.outstandingBalanceAmount, r.invoiceDate, r.currencyRate, r.modified];
    }),
    [
      ['AR Invoice', 'Open', '1250.50', '1250.50', '2024-03-01', '1.0', '2024-03-02T14:30:00-08:00'],
      ['AR Invoice', 'Closed', '12345678901234567.89', '0.00', '2024-01-15', '1.00', '2024-03-10T08:00:00-07:00'],
      ['AR Credit Memo', 'Open', '-50.00', '-50.00', '2024-02-29', '1', '2024-03-01T10:00:00-08:00'],
    ],
  );
  assert.equal(invoices.get('INV10001')!.specialTerms, '');
  const lines = rows.get('invoiceline.csv')!;
  assert.deepEqual([...lines.values()].map((l) => [l.erpKey, l.invoiceErpKey, l.lineNumber, l.productCode, l.quantity, l.unitPrice, l.totalAmount, l.taxRate]), [
    ['90001', 'INV10001', '1', 'WIDGET-A', '10', '100.00', '1000.00', '8.25'],
    ['90002', 'INV10001', '2', 'SVC-INSTALL', '1', '250.50', '250.50', ''],
    ['90003', 'INV10002', '1', 'LICENSE', '1', '12345678901234567.89', '12345678901234567.89', ''],
    ['90004', 'CM20001', '1', 'WIDGET-A', '-1', '50.00', '-50.00', ''],
    ['90006', 'INV10003', '1', 'WIDGET-C', '3', '33.00', '99.00', ''],
  ]);
}

const NETSUITE_REJECTS = [
  'netsuite-style/CustomerSearchResults.csv 5 Company CUST-1004 created DATE',
  'netsuite-style/CustomerSearchResults.csv 6 Company  erpKey REQUIRED',
  'netsuite-style/TransactionExport.ndjson 4 Invoice INV10003 invoiceDate DATE',
  'netsuite-style/TransactionExport.ndjson 3 InvoiceLine 90005 lineNumber REQUIRED',
];

function checkSap(rows: Awaited<ReturnType<typeof rowsOf>>) {
  const companies = rows.get('company.csv')!;
  assert.deepEqual(companies.get('0000100001'), {
    erpKey: '0000100001', companyName: 'Müller & Söhne GmbH', companyType: 'Customer', isActive: 'true', city: 'München', postalCode: '80331',
    country: 'DE', created: '2024-01-01', modified: '2024-03-15T12:00:00+01:00', taxId: 'DE129273398',
  });
  assert.deepEqual([companies.get('0000100002')!.isActive, companies.get('0000100002')!.modified, companies.get('0000100002')!.taxId], ['false', '', '']);
  const invoices = rows.get('invoice.csv')!;
  assert.deepEqual([...invoices.values()].map((r) => [r.erpKey, r.invoiceTypeCode, r.totalAmount, r.invoiceDate, r.paymentDueDate, r.invoiceClosedDate, r.currencyRate]), [
    ['1800000123', 'AR Invoice', '1250.50', '2024-03-01', '2024-03-31', '', '1.00000'],
    ['1800000124', 'AR Credit Memo', '-50.00', '2024-01-15', '2024-01-15', '2024-01-20', '1.00000'],
    ['1800000125', 'AR Invoice', '12345678901234567.89', '2024-03-04', '2024-05-03', '', '1.00000'],
  ]);
  const payments = rows.get('payment.csv')!;
  assert.deepEqual([...payments.values()].map((r) => [r.erpKey, r.paymentType, r.isOpen, r.paymentDate, r.postDate, r.paymentAmount, r.unappliedAmount, r.referenceCode]), [
    ['1400000051', 'AR Payment', 'false', '2024-03-14', '2024-03-15', '1000.00', '0.00', 'Scheck 1042'],
    ['1400000052', 'AR Payment', 'true', '2024-03-20', '2024-03-20', '500.00', '249.75', ''],
  ]);
  const applied = rows.get('paymentapplied.csv')!;
  assert.deepEqual([...applied.values()].map((r) => [r.erpKey, r.paymentErpKey, r.invoiceErpKey, r.entryNumber, r.applyToInvoiceDate, r.paymentAppliedAmount]), [
    ['1400000051-001', '1400000051', '1800000123', '1', '2024-03-15', '750.00'],
    ['1400000051-002', '1400000051', '1800000125', '2', '2024-03-15', '250.00'],
    ['1400000052-001', '1400000052', '1800000124', '1', '2024-03-20', '250.25'],
  ]);
}

const SAP_REJECTS = [
  'sap-style/KNA1_Debitoren.csv 5 Company 0000100003 created DATE',
  'sap-style/FBL5N_OffenePosten.csv 6 Invoice 1800000126 invoiceTypeCode ENUM',
  'sap-style/FBL5N_OffenePosten.csv 7 Invoice 1800000127 invoiceDate DATE',
  'sap-style/Zahlungseingang.json 18 Payment 1400000053 postDate DATE',
  'sap-style/Zahlungseingang.json 10 PaymentApplied 1400000052-002 entryNumber NUMBER',
];

describe('ERP-shaped samples with mapping files', () => {
  it('netsuite-style through the library', async (t) => {
    const out = await tempDir(t);
    const result = await runBuild({ inputs: [NETSUITE], outDir: out, maxBatchBytes: 50e6, mapping: join(NETSUITE, 'map.json') });
    checkNetsuite(await rowsOf(out, result.batches.map((b) => b.file)));
    assert.deepEqual(await rejectsOf(result.rejectsFile), NETSUITE_REJECTS);
    assert.equal(result.counts.read, result.counts.written + result.counts.rejected);
  });

  it('sap-style through the library', async (t) => {
    const out = await tempDir(t);
    const result = await runBuild({ inputs: [SAP], outDir: out, maxBatchBytes: 50e6, mapping: join(SAP, 'map.json') });
    checkSap(await rowsOf(out, result.batches.map((b) => b.file)));
    assert.deepEqual(await rejectsOf(result.rejectsFile), SAP_REJECTS);
  });

  for (const [name, dir, check, rejects] of [['netsuite-style', NETSUITE, checkNetsuite, NETSUITE_REJECTS], ['sap-style', SAP, checkSap, SAP_REJECTS]] as const) {
    it(`${name} through the CLI, in any time zone`, async (t) => {
      const out = await tempDir(t);
      const result = await runCli(['build', dir, '--mapping', join(dir, 'map.json'), '--out', out, '--json'], { env: { TZ: 'Pacific/Kiritimati' } });
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout);
      check(await rowsOf(out, summary.batches.map((b: { file: string }) => b.file)));
      assert.deepEqual(await rejectsOf(join(out, 'rejects.csv')), rejects);
    });
  }
});
