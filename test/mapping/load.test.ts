import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { compileMapping, loadMapping } from '../../src/mapping/load.js';
import { mappingJsonSchema } from '../../src/mapping/schema.js';
import { getModel } from '../../src/schema/index.js';
import { ROOT, runCli, tempDir } from '../helpers.js';

/** The usage error a mapping document gives, or a failure when it gives none. */
function mistakeOf(document: unknown): string {
  try {
    const mapping = compileMapping(document, 'map.json');
    // Entries without a model are compiled when a file matches: compile them for Invoice.
    mapping.fileEntry('invoices.csv')?.compile(getModel('Invoice'));
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail('the mapping was accepted');
}

const entry = (fields: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ files: [{ match: 'invoices*.csv', model: 'Invoice', ...extra, fields }] });

describe('mapping file mistakes are usage errors naming the JSON path', () => {
  const cases: [string, unknown, RegExp][] = [
    ['a bad date format', entry({ invoiceDate: { source: 'Date', format: 'DD/MM/YYY' } }), /mapping\.files\[0\]\.fields\.invoiceDate\.format: "DD\/MM\/YYY"/],
    ['a field the model does not have', entry({ invoiceDat: 'Date' }), /mapping\.files\[0\]\.fields\.invoiceDat: Invoice has no field "invoiceDat"/],
    ['an unknown setting', entry({ erpKey: { source: 'Doc', trimm: true } }), /mapping\.files\[0\]\.fields\.erpKey\.trimm: unknown setting "trimm"/],
    ['a wrong type', entry({ erpKey: 'Doc' }, { nullTokens: 'NULL' }), /mapping\.files\[0\]\.nullTokens: expected array, found string/],
    ['an unknown model', { files: [{ match: '*.csv', model: 'Invoices' }] }, /mapping\.files\[0\]\.model: "Invoices" is not one of/],
    ['a missing match', { files: [{ model: 'Invoice' }] }, /mapping\.files\[0\]: "match" is required/],
    ['an unknown time zone', entry({ modified: { source: 'M', timezone: 'Europe/Atlantis' } }), /mapping\.files\[0\]\.fields\.modified\.timezone: "Europe\/Atlantis" is not an IANA time zone/],
    ['a format on a decimal field', entry({ totalAmount: { source: 'T', format: 'DD/MM/YYYY' } }), /mapping\.files\[0\]\.fields\.totalAmount\.format: totalAmount is a decimal field/],
    ['a constant the contract refuses', entry({ invoiceTypeCode: { constant: 'AR Bill' } }), /mapping\.files\[0\]\.fields\.invoiceTypeCode\.constant: "AR Bill" is not one of/],
    ['a default the field cannot hold', entry({ currencyRate: { source: 'R', default: 'one' } }), /mapping\.files\[0\]\.fields\.currencyRate\.default:/],
    ['a non-integer onMatchAction', entry({ onMatchAction: { constant: 1.5 } }), /mapping\.files\[0\]\.fields\.onMatchAction\.constant: "1\.5" is not a 32-bit integer/],
    ['neither source nor constant', entry({ erpKey: { trim: true } }), /mapping\.files\[0\]\.fields\.erpKey: give a "source" or a "constant"/],
    ['both source and constant', entry({ erpKey: { source: 'a', constant: 'b' } }), /exclude each other/],
    ['equal separators', entry({}, { decimal: { decimalSeparator: ',', groupSeparator: ',' } }), /mapping\.files\[0\]\.decimal: decimalSeparator and groupSeparator must differ/],
    ['a bad entry-level date format', entry({ invoiceDate: 'D' }, { dateFormat: 'YYYY-QQ-DD' }), /mapping\.files\[0\]\.dateFormat: "YYYY-QQ-DD": unknown token "QQ"/],
    ['a nested model that is not a child', entry({}, { nested: [{ path: 'x', model: 'Company' }] }), /mapping\.files\[0\]\.nested\[0\]\.model: Company is not a child of Invoice/],
    ['a nested field unknown to the child', entry({}, { nested: [{ path: 'lines', model: 'InvoiceLine', fields: { sku: 'sku' } }] }), /mapping\.files\[0\]\.nested\[0\]\.fields\.sku: InvoiceLine has no field "sku"/],
    ['a model entry with an unknown field', { models: { Payment: { fields: { amount: 'AMT' } } } }, /mapping\.models\.Payment\.fields\.amount: Payment has no field "amount"/],
    ['a model entry for an unknown model', { models: { Payments: {} } }, /mapping\.models\.Payments: "Payments" is not one of/],
    ['a field that matches no model until a file does', { files: [{ match: 'invoices*.csv', fields: { bogus: 'x' } }] }, /mapping\.files\[0\]\.fields\.bogus: Invoice has no field "bogus"/],
  ];
  for (const [what, document, expected] of cases) {
    it(what, () => assert.match(mistakeOf(document), expected));
  }

  it('names the file and refuses text that is not JSON', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'map.json'), '{"files": [');
    await assert.rejects(loadMapping(join(dir, 'map.json')), (error: Error) => error instanceof UsageError && /map\.json: not valid JSON/.test(error.message));
    await assert.rejects(loadMapping(join(dir, 'nope.json')), UsageError);
  });

  it('the CLI exits 2 with the path of the bad entry', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'map.json'), JSON.stringify(entry({ invoiceDate: { source: 'Date', format: 'DD/MM/YYY' } })));
    await writeFile(join(dir, 'invoices.csv'), 'Date\n01/02/2024\n');
    const result = await runCli(['build', join(dir, 'invoices.csv'), '--mapping', join(dir, 'map.json'), '--out', join(dir, 'out')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /mapping\.files\[0\]\.fields\.invoiceDate\.format/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });
});

describe('the mapping JSON Schema', () => {
  it('ships as schema/mapping.schema.json, identical to what the code derives', async () => {
    const shipped = JSON.parse(await readFile(join(ROOT, 'schema', 'mapping.schema.json'), 'utf8'));
    assert.deepEqual(shipped, mappingJsonSchema());
  });

  it('sagesync mapping --schema prints it; --check accepts the samples', async () => {
    const result = await runCli(['mapping', '--schema']);
    assert.equal(result.code, 0);
    const printed = JSON.parse(result.stdout) as { properties: { files: { items: { properties: { model: { enum: string[] } } } } } };
    assert.deepEqual(printed, mappingJsonSchema());
    assert.ok(printed.properties.files.items.properties.model.enum.includes('InvoiceLine'), 'model names come from the contract');
    for (const sample of ['netsuite-style', 'sap-style']) {
      const check = await runCli(['mapping', '--check', join(ROOT, 'samples', sample, 'map.json')]);
      assert.equal(check.code, 0, check.stderr);
    }
    assert.equal((await runCli(['mapping'])).code, 2);
  });
});
