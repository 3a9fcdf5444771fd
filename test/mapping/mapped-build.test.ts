import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBuild } from '../../src/pipeline/build.js';
import { parseCsv, readZip, runCli, tempDir } from '../helpers.js';

/** Builds `files` with `mapping` and returns the rows of each entry and the rejects. */
async function build(t: { after(fn: () => Promise<void>): void }, files: Record<string, string>, mapping: unknown) {
  const dir = await tempDir(t);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await writeFile(join(dir, 'map.json'), JSON.stringify(mapping));
  const out = join(dir, 'out');
  const result = await runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 1e6, mapping: join(dir, 'map.json') });
  const entries = new Map<string, string>();
  for (const b of result.batches) for (const [name, text] of await readZip(join(out, b.file))) entries.set(name, text);
  const rows = async (name: string) => parseCsv(entries.get(name) ?? '');
  const rejects = await parseCsv(await readFile(result.rejectsFile, 'utf8'));
  assert.equal(result.counts.read, result.counts.written + result.counts.rejected);
  return { result, entries, rows, rejects, dir };
}

const PAYMENTS_CSV = [
  'Doc No;Customer;Kind;Open?;Paid On;Posted;Amount;Left;Rate;Memo;Tender',
  'P-1;C-1;AR;Y;31/01/2024;01.02.2024;"1.234,56";0,00;1;  Cheque 1042  ;NULL',
  'P-2;C-2;AP;N;29/02/2024;01.03.2024;(12,50);#N/A;N/A;;Cash',
  'P-3;C-3;AR;yes;03/04/2024;0000-00-00;5,00;5,00;1;;Cash',
  'P-4;C-4;XX;maybe;31/04/2024;01.05.2024;abc;1,00;1;;Cash',
].join('\n');

const PAYMENTS_MAP = {
  files: [
    {
      match: 'bank_payments.csv',
      model: 'Payment',
      nullTokens: ['NULL', 'N/A', '#N/A', '0000-00-00'],
      decimal: { decimalSeparator: ',', groupSeparator: '.', parenthesesNegative: true },
      booleans: { true: ['Y', 'yes'], false: ['N'] },
      fields: {
        onMatchAction: { constant: 0 },
        erpKey: 'Doc No',
        companyErpKey: 'Customer',
        paymentType: { source: 'Kind', values: { AR: 'AR Payment', AP: 'AP Payment' } },
        isOpen: 'Open?',
        paymentDate: { source: 'Paid On', format: 'DD/MM/YYYY' },
        postDate: { source: 'Posted', format: 'DD.MM.YYYY', default: '2024-12-31' },
        paymentAmount: 'Amount',
        baseCurrencyPaymentAmount: 'Amount',
        unappliedAmount: { source: 'Left', default: '0' },
        baseCurrencyUnappliedAmount: { source: 'Left', default: 0 },
        currencyRate: { source: 'Rate', default: '1.0' },
        memoText: { source: 'Memo', trim: true },
        tenderType: 'Tender',
        currencyCode: { constant: 'EUR' },
      },
    },
  ],
};

describe('a mapped CSV export', () => {
  it('applies null tokens, synonyms, locales, formats, trimming, constants and defaults in one pass', async (t) => {
    const { rows, rejects, entries } = await build(t, { 'bank_payments.csv': 'sep=;\n' + PAYMENTS_CSV + '\n' }, PAYMENTS_MAP);
    assert.equal(
      entries.get('payment.csv')!.split('\n')[0],
      'onMatchAction,erpKey,companyErpKey,paymentType,tenderType,isOpen,memoText,paymentDate,postDate,paymentAmount,unappliedAmount,currencyCode,currencyRate,baseCurrencyPaymentAmount,baseCurrencyUnappliedAmount',
      'the mapped fields are the output columns, in contract order',
    );
    const payments = new Map((await rows('payment.csv')).map((r) => [r.erpKey, r]));
    assert.deepEqual([...payments.keys()], ['P-1', 'P-2', 'P-3']);
    assert.deepEqual(payments.get('P-1'), {
      onMatchAction: '0', erpKey: 'P-1', companyErpKey: 'C-1', paymentType: 'AR Payment', tenderType: '', isOpen: 'true', memoText: 'Cheque 1042',
      paymentDate: '2024-01-31', postDate: '2024-02-01', paymentAmount: '1234.56', unappliedAmount: '0.00', currencyCode: 'EUR', currencyRate: '1',
      baseCurrencyPaymentAmount: '1234.56', baseCurrencyUnappliedAmount: '0.00',
    });
    const p2 = payments.get('P-2')!;
    assert.deepEqual([p2.paymentType, p2.isOpen, p2.paymentAmount, p2.unappliedAmount, p2.baseCurrencyUnappliedAmount, p2.currencyRate, p2.memoText], ['AP Payment', 'false', '-12.50', '0', '0', '1.0', '']);
    assert.equal(payments.get('P-3')!.postDate, '2024-12-31', 'a null token takes the default');
    assert.equal(payments.get('P-3')!.paymentDate, '2024-04-03', 'the declared order decides, not a guess');
    assert.deepEqual(
      rejects.map((r) => [r.line, r.erpKey, r.field, r.code]),
      [['6', 'P-4', 'paymentType', 'ENUM']],
    );
    assert.match(rejects[0].reason, /and 4 more: isOpen BOOLEAN, paymentDate DATE, paymentAmount NUMBER/);
  });

  it('rejects an ambiguous date when the mapping declares no format, never guessing', async (t) => {
    const { rows, rejects } = await build(
      t,
      { 'open_items.csv': 'Doc,Cust,Rate,Date\nI-1,C-1,1,03/04/2024\nI-2,C-1,1,2024-04-03\n' },
      { files: [{ match: 'open_items.csv', model: 'Invoice', fields: { erpKey: 'Doc', companyErpKey: 'Cust', customerErpKey: 'Cust', currencyRate: 'Rate', invoiceDate: 'Date' } }] },
    );
    assert.deepEqual((await rows('invoice.csv')).map((r) => [r.erpKey, r.invoiceDate]), [['I-2', '2024-04-03']]);
    assert.deepEqual(rejects.map((r) => [r.line, r.field, r.code]), [['2', 'invoiceDate', 'DATE']]);
    assert.match(rejects[0].reason, /ambiguous.*declare the field's "format"/);
  });

  it('reads unmapped columns by name, lets the mapping win over a same-named column, and uses model entries', async (t) => {
    const { rows, result } = await build(
      t,
      { 'companies.csv': 'erpKey,CUST_NO,companyName,companyType,isActive,city\nold-1,C-1,Acme,Customer,J,Berlin\n' },
      { models: { Company: { booleans: { true: ['J'] }, fields: { erpKey: 'CUST_NO' } } } },
    );
    assert.deepEqual(await rows('company.csv'), [{ erpKey: 'C-1', companyName: 'Acme', companyType: 'Customer', isActive: 'true', city: 'Berlin' }]);
    assert.ok(result.warnings.some((w) => /ignored columns.*erpKey/.test(w)), result.warnings.join('\n'));
  });

  it('stops before writing when a mapped column is missing from the header', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'bank_payments.csv'), 'sep=;\nDoc No;Customer\nP-1;C-1\n');
    await writeFile(join(dir, 'map.json'), JSON.stringify(PAYMENTS_MAP));
    const result = await runCli(['build', dir, '--mapping', join(dir, 'map.json'), '--out', join(dir, 'out')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /column "Kind" \(mapping\.files\[0\]\.fields\.paymentType\) is not in the header/);
    assert.ok(!existsSync(join(dir, 'out', 'batch-0001.zip')));
  });
});

describe('a mapped JSON export', () => {
  it('reads JSON paths, keeps JSON numbers exact, and refuses objects where a value belongs', async (t) => {
    const records = [
      { doc: { no: 'I-1', date: '31.12.2023' }, party: { company: 'ACME', customer: 'C-1' }, totals: { gross: 12345678901234567.89, rate: '1,5' }, flags: { void: 'X' } },
      { doc: { no: 'I-2', date: '01.01.2024' }, party: { company: 'ACME', customer: { id: 'C-2' } }, totals: { gross: '1.000,00', rate: 1 } },
      { doc: { no: 'I-3', date: '02.01.2024', due: 45322 }, party: { company: 'ACME', customer: 'C-3' }, totals: { gross: '1.000,00', rate: 1 } },
    ];
    const { rows, rejects } = await build(
      t,
      { 'erp_invoices.ndjson': records.map((r) => JSON.stringify(r).replace('12345678901234568', '12345678901234567.89')).join('\n') + '\n' },
      {
        files: [{
          match: 'erp_*.ndjson',
          model: 'Invoice',
          dateFormat: 'DD.MM.YYYY',
          decimal: { decimalSeparator: ',', groupSeparator: '.' },
          fields: {
            erpKey: 'doc.no', invoiceDate: 'doc.date', paymentDueDate: { source: 'doc.due', format: 'excel' }, companyErpKey: '$.party.company', customerErpKey: 'party.customer',
            totalAmount: 'totals.gross', currencyRate: 'totals.rate', isVoided: { source: 'flags.void', booleans: { true: ['X'] }, default: false },
          },
        }],
      },
    );
    assert.deepEqual(await rows('invoice.csv'), [
      { erpKey: 'I-1', companyErpKey: 'ACME', customerErpKey: 'C-1', totalAmount: '12345678901234567.89', invoiceDate: '2023-12-31', paymentDueDate: '', currencyRate: '1.5', isVoided: 'true' },
      // An Excel serial written as a JSON number still goes through the declared format.
      { erpKey: 'I-3', companyErpKey: 'ACME', customerErpKey: 'C-3', totalAmount: '1000.00', invoiceDate: '2024-01-02', paymentDueDate: '2024-01-31', currencyRate: '1', isVoided: 'false' },
    ]);
    assert.deepEqual(rejects.map((r) => [r.line, r.erpKey, r.field, r.code]), [['2', 'I-2', 'customerErpKey', 'TYPE']]);
  });
});

describe('keys read by their own name next to a mapping', () => {
  it('reads a key that holds a "." as a key, not a path', async (t) => {
    const { rows } = await build(
      t,
      { 'contacts.ndjson': '{"id":"CT-1","company.erpKey":"C-1","isActive":true,"contact.Name":"Jane"}\n' },
      { models: { Contact: { fields: { erpKey: 'id' } } } },
    );
    assert.deepEqual(await rows('contact.csv'), [{ erpKey: 'CT-1', companyErpKey: 'C-1', isActive: 'true', contactName: 'Jane' }]);
  });
});
