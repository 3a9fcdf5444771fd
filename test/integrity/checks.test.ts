import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { runBuild, type BuildOptions } from '../../src/pipeline/build.js';
import { balanced } from '../../src/pipeline/counts.js';
import { getModel } from '../../src/schema/index.js';
import { tempDir } from '../helpers.js';
import { COMPANIES, CONTACTS, INVOICES, LINES, readReport, writeInputs, writtenRows } from './fixtures.js';

const MB = 1_000_000;

/**
 * The checks run twice over: without a change state, and with one (a first
 * run), whose table then serves as the duplicate index and the set of
 * identities read. Every outcome must be the same.
 */
let withState = false;

async function build(t: { after(fn: () => Promise<void>): void }, files: Record<string, string[]>, options: Partial<BuildOptions> = {}) {
  const dir = await tempDir(t);
  const inputs = await writeInputs(dir, files);
  const outDir = `${dir}/out`;
  const state = withState ? { stateFile: `${dir}/state.bin` } : {};
  const result = await runBuild({ inputs: options.inputs ?? inputs, outDir, maxBatchBytes: 50 * MB, ...state, ...options });
  assert.ok(balanced(result.counts), JSON.stringify(result.counts));
  if (withState) assert.ok(existsSync(`${dir}/state.bin`), 'the run left a state');
  for (const tally of Object.values(result.counts.byModel)) assert.ok(balanced(tally));
  return {
    dir,
    inputs,
    result,
    rows: await writtenRows(outDir, result),
    rejects: await readReport(result.rejectsFile),
    warnings: await readReport(result.warningsFile),
  };
}

const keysOf = (rows: Record<string, string>[] | undefined) => (rows ?? []).map((r) => r.erpKey);

for (const state of [false, true]) {
  describe(state ? 'with a change state' : 'without a change state', () => {
    before(() => {
      withState = state;
    });

    describe('duplicate identities', () => {
      const invoices = [
        'erpKey,companyErpKey,customerErpKey,currencyRate,referenceCode',
        'INV-1,C-1,C-1,1,first',
        'INV-2,C-1,C-1,1,only',
        'INV-1,C-1,C-1,1,second',
        'INV-1,C-1,C-1,1,third',
      ];
      const companies = ['erpKey,companyName,companyType,isActive', 'C-1,One,Company,true'];

      it('reject (the default) keeps the first and rejects each later one, citing the first', async (t) => {
        const { rows, rejects, inputs, result } = await build(t, { 'companies.csv': companies, 'invoices.csv': invoices });
        const written = rows.get('invoice.csv')!;
        assert.deepEqual(written.map((r) => [r.erpKey, r.referenceCode]), [['INV-1', 'first'], ['INV-2', 'only']]);
        assert.deepEqual(rejects.map((r) => [r.line, r.code, r.erpKey, r.field]), [['4', 'DUPLICATE_KEY', 'INV-1', 'erpKey'], ['5', 'DUPLICATE_KEY', 'INV-1', 'erpKey']]);
        for (const r of rejects) assert.ok(r.reason.includes(`${inputs[1]}:2`), r.reason);
        assert.equal(result.counts.byModel.Invoice.rejected, 2);
      });

      it('last-wins keeps the last occurrence and rejects the earlier ones, citing it', async (t) => {
        const { rows, rejects, inputs } = await build(t, { 'companies.csv': companies, 'invoices.csv': invoices }, { duplicates: 'last-wins' });
        const written = rows.get('invoice.csv')!;
        assert.deepEqual(written.map((r) => [r.erpKey, r.referenceCode]), [['INV-2', 'only'], ['INV-1', 'third']]);
        assert.deepEqual(rejects.map((r) => [r.line, r.code]), [['2', 'DUPLICATE_KEY'], ['4', 'DUPLICATE_KEY']]);
        for (const r of rejects) assert.ok(r.reason.includes(`${inputs[1]}:5`), r.reason);
      });

      it('finds duplicates across two files of one model', async (t) => {
        const dir = await tempDir(t);
        const [companyFile, first, second] = await writeInputs(dir, {
          'companies.csv': companies,
          'invoices.csv': invoices.slice(0, 3),
          'more.csv': [invoices[0], 'INV-2,C-1,C-1,1,again'],
        });
        const { rows, rejects } = await build(t, {}, { inputs: [companyFile, first], explicit: [{ path: second, model: getModel('Invoice') }] });
        assert.deepEqual(keysOf(rows.get('invoice.csv')), ['INV-1', 'INV-2']);
        assert.deepEqual(rejects.map((r) => [r.file, r.line, r.code]), [[second, '2', 'DUPLICATE_KEY']]);
        assert.ok(rejects[0].reason.includes(`${first}:3`), rejects[0].reason);
      });

      it('last-wins across files cites the kept record in the later file', async (t) => {
        const dir = await tempDir(t);
        const [companyFile, first, second] = await writeInputs(dir, {
          'companies.csv': companies,
          'invoices.csv': invoices.slice(0, 3),
          'more.csv': [invoices[0], 'INV-3,C-1,C-1,1,new', 'INV-1,C-1,C-1,1,latest'],
        });
        const { rows, rejects } = await build(t, {}, { inputs: [companyFile, first], explicit: [{ path: second, model: getModel('Invoice') }], duplicates: 'last-wins' });
        assert.deepEqual(rows.get('invoice.csv')!.map((r) => r.referenceCode), ['only', 'new', 'latest']);
        assert.deepEqual(rejects.map((r) => [r.file, r.line, r.code]), [[first, '2', 'DUPLICATE_KEY']]);
        assert.ok(rejects[0].reason.includes(`${second}:3`), rejects[0].reason);
      });

      it('uses tableKey+erpKey+customFieldLabel for CustomField and account+year+period for balance history', async (t) => {
        const { rows, rejects } = await build(t, {
          'companies.csv': companies,
          'invoices.csv': invoices.slice(0, 3),
          'customfield.csv': [
            'tableKey,erpKey,customFieldLabel,value',
            'Invoice,INV-1,Region,West',
            'Company,C-1,Region,East',
            'Invoice,INV-1,Owner,Ann',
            'Invoice,INV-1,Region,North',
          ],
          'financialaccounts.csv': ['erpKey,code,name,status,cashflowType,description,classification', 'FA-1,1000,Cash,active,cash,Cash,Asset'],
          'financialaccountbalancehistory.csv': [
            'financialAccountErpKey,financialAccountCode,financialYear,periodNumber,periodStartDate,periodEndDate,status,balance',
            'FA-1,,2024,1,2024-01-01,2024-01-31,Open,1',
            ',1000,2024,1,2024-01-01,2024-01-31,Open,1',
            'FA-1,,2024,2,2024-02-01,2024-02-29,Open,1',
            'FA-1,,2024,1,2024-01-01,2024-01-31,Open,2',
          ],
        });
        assert.equal(rows.get('customfield.csv')!.length, 3);
        assert.equal(rows.get('financialaccountbalancehistory.csv')!.length, 3);
        assert.deepEqual(
          rejects.map((r) => [r.model, r.line, r.code, r.field]),
          [
            ['CustomField', '5', 'DUPLICATE_KEY', 'tableKey+erpKey+customFieldLabel'],
            ['FinancialAccountBalanceHistory', '5', 'DUPLICATE_KEY', 'financialAccountErpKey|financialAccountCode+financialYear+periodNumber'],
          ],
        );
      });

      it('off writes every copy', async (t) => {
        const { rows, rejects } = await build(t, { 'companies.csv': companies, 'invoices.csv': invoices }, { duplicates: 'off' });
        assert.equal(rows.get('invoice.csv')!.length, 4);
        assert.equal(rejects.length, 0);
      });
    });

    describe('references', () => {
      const files = { 'companies.csv': COMPANIES, 'contacts.csv': CONTACTS, 'invoices.csv': INVOICES, 'invoicelines.csv': LINES };

      it('rejects each orphan once under --full, naming the missing parent', async (t) => {
        const { rows, rejects, warnings, result } = await build(t, files, { isFullSync: true });
        assert.equal(result.warningsFile, undefined);
        assert.deepEqual(warnings, []);
        assert.deepEqual(
          rejects.map((r) => [r.model, r.erpKey, r.code, r.field, r.value]),
          [
            ['Company', 'C-3', 'ORPHAN', 'parentCompanyErpKey', 'C-404'],
            ['Contact', 'CT-2', 'ORPHAN', 'companyErpKey', 'C-9'],
            ['InvoiceLine', 'L-3', 'ORPHAN', 'invoiceErpKey', 'INV-404'],
          ],
        );
        assert.ok(rejects[2].reason.includes('Invoice.erpKey'), rejects[2].reason);
        // Forward references (C-2 -> C-1 later in the file, C-2 -> CT-1 in a later model) resolve.
        assert.deepEqual(keysOf(rows.get('company.csv')), ['C-2', 'C-1']);
        assert.deepEqual(keysOf(rows.get('invoiceline.csv')), ['L-1', 'L-2']);
      });

      it('warns by default outside --full: the orphan is written and listed in warnings.csv', async (t) => {
        const { dir, rows, rejects, warnings, result } = await build(t, files);
        assert.deepEqual(rejects, []);
        assert.deepEqual(warnings.map((w) => [w.model, w.erpKey, w.code, w.value]), [
          ['Company', 'C-3', 'ORPHAN', 'C-404'],
          ['Contact', 'CT-2', 'ORPHAN', 'C-9'],
          ['InvoiceLine', 'L-3', 'ORPHAN', 'INV-404'],
        ]);
        assert.equal(result.orphanWarnings, 3);
        assert.deepEqual(keysOf(rows.get('invoiceline.csv')), ['L-1', 'L-2', 'L-3']);
        assert.equal(result.manifest!.orphanWarnings, 'warnings.csv');
        // A later run into the same folder that lists no orphan leaves no warnings.csv behind.
        const outDir = `${dir}/out`;
        assert.ok(existsSync(`${outDir}/warnings.csv`));
        const again = await runBuild({ inputs: await writeInputs(await tempDir(t), files), outDir, maxBatchBytes: 50 * MB, orphans: 'off' });
        assert.equal(again.warningsFile, undefined);
        assert.ok(!existsSync(`${outDir}/warnings.csv`), 'an earlier run\'s warnings.csv removed');
      });

      it('says once per reference when its target model has no input in the run, with the records it left orphaned', async (t) => {
        const lines = [...LINES, 'L-4,INV-1,2'];
        const note = (count: number, policy: string) =>
          `InvoiceLine: invoiceErpKey names Invoice records, but this run has no Invoice input: ${count} records ${policy}; give the Invoice file too to check them`;
        const delta = await build(t, { 'invoicelines.csv': lines });
        assert.deepEqual(delta.result.warnings, [note(4, 'listed as ORPHAN in warnings.csv')]);
        assert.equal(delta.warnings.length, 4);
        const full = await build(t, { 'invoicelines.csv': [...lines, 'L-1,INV-1,9'] }, { isFullSync: true });
        // The duplicate is rejected as such, not counted again as an orphan.
        assert.deepEqual(full.result.warnings, [note(4, 'rejected as ORPHAN')]);
        assert.deepEqual(full.rejects.map((r) => r.code).sort(), ['DUPLICATE_KEY', 'ORPHAN', 'ORPHAN', 'ORPHAN', 'ORPHAN']);
        const complete = await build(t, files);
        assert.deepEqual(complete.result.warnings, [], 'no note when the target has an input, whatever its orphans');
      });

      it('--orphans reject applies to a delta too, and off checks nothing', async (t) => {
        const rejected = await build(t, files, { orphans: 'reject' });
        assert.equal(rejected.rejects.filter((r) => r.code === 'ORPHAN').length, 3);
        const unchecked = await build(t, files, { isFullSync: true, orphans: 'off' });
        assert.equal(unchecked.rejects.length, 0);
        assert.equal(unchecked.result.counts.written, unchecked.result.counts.read);
      });

      it('reports every child of a missing parent, each on its own line, when such children come together', async (t) => {
        const lines = ['erpKey,invoiceErpKey,lineNumber,description', 'L-1,INV-404,1,a', 'L-2,INV-404,2,b', 'L-3,INV-1,1,c', 'L-4,INV-404,3,d', 'L-5,INV-405,1,e', 'L-6,INV-405,2,f'];
        const { rows, rejects } = await build(t, { ...files, 'invoicelines.csv': lines }, { isFullSync: true });
        assert.deepEqual(
          rejects.filter((r) => r.model === 'InvoiceLine').map((r) => [r.line, r.erpKey, r.code, r.value]),
          [
            ['2', 'L-1', 'ORPHAN', 'INV-404'],
            ['3', 'L-2', 'ORPHAN', 'INV-404'],
            ['5', 'L-4', 'ORPHAN', 'INV-404'],
            ['6', 'L-5', 'ORPHAN', 'INV-405'],
            ['7', 'L-6', 'ORPHAN', 'INV-405'],
          ],
        );
        assert.deepEqual(keysOf(rows.get('invoiceline.csv')), ['L-3']);
      });

      it('gives the same result whatever the order of files on the command line', async (t) => {
        const forward = await build(t, files, { isFullSync: true });
        const dir = await tempDir(t);
        const paths = await writeInputs(dir, files);
        const reversed = await build(t, {}, { isFullSync: true, inputs: [...paths].reverse() });
        assert.deepEqual(reversed.rows, forward.rows);
        const strip = (rows: Record<string, string>[]) => rows.map(({ file, ...rest }) => ({ ...rest, file: file.slice(file.lastIndexOf('/')) }));
        assert.deepEqual(strip(reversed.rejects), strip(forward.rejects));
      });

      it('checks CustomField erpKey against the model its tableKey names', async (t) => {
        const { rejects } = await build(t, {
          ...files,
          'customfield.csv': [
            'tableKey,erpKey,customFieldLabel,value',
            'Invoice,INV-1,Region,West',
            'InvoiceLine,L-2,Region,West',
            'Company,INV-1,Region,West',
            'Contact,CT-1,Region,West',
            'Payment,PAY-1,Region,West',
          ],
        }, { isFullSync: true });
        assert.deepEqual(
          rejects.filter((r) => r.model === 'CustomField').map((r) => [r.line, r.field, r.value]),
          [['4', 'erpKey', 'INV-1'], ['6', 'erpKey', 'PAY-1']],
        );
      });

      it('accepts a financial account reference by erpKey or by code, read before the accounts', async (t) => {
        const { rejects } = await build(t, {
          'companies.csv': COMPANIES.slice(0, 3),
          'contacts.csv': CONTACTS.slice(0, 2),
          'payments.csv': [
            'erpKey,companyErpKey,paymentType,isOpen,paymentDate,postDate,paymentAmount,unappliedAmount,currencyRate,baseCurrencyPaymentAmount,baseCurrencyUnappliedAmount,financialAccountCode',
            'P-1,C-1,AR Payment,false,2024-01-01,2024-01-01,1,0,1,1,0,1000',
            'P-2,C-1,AR Payment,false,2024-01-01,2024-01-01,1,0,1,1,0,9999',
          ],
          'financialaccounts.csv': ['erpKey,code,name,status,cashflowType,description,classification', 'FA-1,1000,Cash,active,cash,Cash,Asset'],
          'financialaccountbalancehistory.csv': [
            'financialAccountErpKey,financialAccountCode,financialYear,periodNumber,periodStartDate,periodEndDate,status,balance',
            'FA-1,,2024,1,2024-01-01,2024-01-31,Open,1',
            ',1000,2024,2,2024-02-01,2024-02-29,Open,1',
            'FA-2,,2024,3,2024-03-01,2024-03-31,Open,1',
          ],
        }, { isFullSync: true });
        assert.deepEqual(rejects.map((r) => [r.model, r.line, r.field, r.value]), [
          ['Payment', '3', 'financialAccountCode', '9999'],
          ['FinancialAccountBalanceHistory', '4', 'financialAccountErpKey', 'FA-2'],
        ]);
      });

      it('reports a record that is both a duplicate and an orphan once', async (t) => {
        const { rejects, rows } = await build(t, {
          'companies.csv': COMPANIES.slice(0, 3),
          'contacts.csv': CONTACTS.slice(0, 2),
          'invoices.csv': INVOICES.slice(0, 2),
          'invoicelines.csv': ['erpKey,invoiceErpKey,lineNumber', 'L-1,INV-1,1', 'L-1,INV-404,2'],
        }, { isFullSync: true });
        assert.deepEqual(rejects.map((r) => [r.line, r.code]), [['3', 'DUPLICATE_KEY']]);
        assert.equal(rows.get('invoiceline.csv')!.length, 1);
      });
    });

    describe('key shapes', () => {
      // Keys ending in a run of digits are held by number, others by hash;
      // sparse numbers are held by number at first and move to the hash
      // index part-way through. None of it may change an outcome.
      const shapes: Record<string, (i: number) => string> = {
        numbered: (i) => `INV-${i}`,
        'not numbered': (i) => `INV-${i}-x`,
        'sparse numbers': (i) => `INV-${i * 1_000_003}`,
        // Long keys are slices of the file, hashed a batch at a time; a repeat takes the lookup of the row before.
        GUIDs: (i) => `${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}-4f3a-9c1e-aa77-${i.toString(16).padStart(11, '0')}f`,
      };
      const n = 3000;
      for (const [shape, invoiceKey] of Object.entries(shapes)) {
        it(`${shape}: reports each duplicate and orphan once and writes every other record`, async (t) => {
          const invoices = [
            'erpKey,companyErpKey,customerErpKey,currencyRate',
            ...Array.from({ length: n }, (_, i) => `${invoiceKey(i)},C-1,C-1,1`),
            `${invoiceKey(5)},C-1,C-1,1`,
            `${invoiceKey(n - 1)},C-1,C-1,1`,
          ];
          const lines = [
            'erpKey,invoiceErpKey,lineNumber',
            ...Array.from({ length: n }, (_, i) => `L-${i},${invoiceKey((i * 7) % n)},1`),
            // Repeats in a row, as the lines of one invoice come: found, missing, found again.
            `L-orphan,${invoiceKey(n + 1)},1`,
            `L-orphan-again,${invoiceKey(n + 1)},2`,
            `L-after-1,${invoiceKey(3)},1`,
            `L-after-2,${invoiceKey(3)},2`,
          ];
          const companies = ['erpKey,companyName,companyType,isActive', 'C-1,One,Company,true'];
          const { rows, rejects, inputs } = await build(t, { 'invoicelines.csv': lines, 'companies.csv': companies, 'invoices.csv': invoices }, { isFullSync: true });
          assert.deepEqual(
            rejects.map((r) => [r.model, r.line, r.erpKey, r.code]),
            [
              ['Invoice', String(n + 2), invoiceKey(5), 'DUPLICATE_KEY'],
              ['Invoice', String(n + 3), invoiceKey(n - 1), 'DUPLICATE_KEY'],
              ['InvoiceLine', String(n + 2), 'L-orphan', 'ORPHAN'],
              ['InvoiceLine', String(n + 3), 'L-orphan-again', 'ORPHAN'],
            ],
          );
          assert.ok(rejects[0].reason.includes(`${inputs[2]}:7`), rejects[0].reason);
          assert.ok(rejects[1].reason.includes(`${inputs[2]}:${n + 1}`), rejects[1].reason);
          assert.equal(rows.get('invoice.csv')!.length, n);
          assert.equal(rows.get('invoiceline.csv')!.length, n + 2);
        });
      }
    });
  });
}
