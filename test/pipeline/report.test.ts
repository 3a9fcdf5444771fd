import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPORT_COLUMNS, ReportWriter } from '../../src/pipeline/report.js';
import { problem } from '../../src/validate/problems.js';
import { parseCsv, tempDir } from '../helpers.js';

describe('ReportWriter', () => {
  it('writes one row per record, sharing the cells of a problem that rows share, and renames on close', async (t) => {
    const path = join(await tempDir(t), 'warnings.csv');
    const report = new ReportWriter(path);
    const orphan = problem('ORPHAN', 'invoiceErpKey', 'invoiceErpKey names no Invoice (Invoice.erpKey) in this run', 'INV-9');
    report.add({ file: 'lines.csv', line: 2, model: 'InvoiceLine', key: 'L-1', problems: [orphan] });
    report.add({ file: 'lines.csv', line: 3, model: 'InvoiceLine', key: '=L-2', problems: [orphan] });
    const other = problem('ORPHAN', 'invoiceErpKey', 'invoiceErpKey names no Invoice (Invoice.erpKey) in this run', 'INV, "10"');
    report.add({ file: 'lines.csv', line: 5, model: 'InvoiceLine', key: 'L-3', problems: [other] });
    report.add({
      file: 'lines.csv',
      line: 7,
      model: 'InvoiceLine',
      key: 'L-4',
      problems: [problem('NUMBER', 'quantity', 'not a plain decimal', '+1e3'), problem('ORPHAN', 'invoiceErpKey', 'x', 'INV-9'), problem('REQUIRED', '', 'y', '')],
    });
    await report.flush();
    assert.ok(!existsSync(path), 'no final name before close');
    await report.close();
    assert.equal(report.rows, 4);
    const text = await readFile(path, 'utf8');
    assert.ok(text.startsWith(REPORT_COLUMNS.join(',') + '\n'));
    const rows = await parseCsv(text);
    assert.deepEqual(
      rows.map((r) => [r.line, r.erpKey, r.field, r.code, r.value]),
      [
        ['2', 'L-1', 'invoiceErpKey', 'ORPHAN', 'INV-9'],
        ['3', "'=L-2", 'invoiceErpKey', 'ORPHAN', 'INV-9'],
        ['5', 'L-3', 'invoiceErpKey', 'ORPHAN', 'INV, "10"'],
        ['7', 'L-4', 'quantity', 'NUMBER', "'+1e3"],
      ],
    );
    assert.equal(rows[2].reason, 'invoiceErpKey names no Invoice (Invoice.erpKey) in this run');
    assert.equal(rows[3].reason, 'not a plain decimal (and 2 more: invoiceErpKey ORPHAN, record REQUIRED)');
    assert.ok(rows.every((r) => r.file === 'lines.csv' && r.model === 'InvoiceLine'));
  });

  it('makes each cell safe whether or not it needs it, as files and models alternate', async (t) => {
    const path = join(await tempDir(t), 'rejects.csv');
    const report = new ReportWriter(path);
    const missing = problem('REQUIRED', 'companyName', 'missing', '');
    const long = 'K'.repeat(250);
    const rows: [string, string, string][] = [
      ['plain.csv', 'Company', 'C-1'],
      ['a, "b".csv', 'Company', 'C-2'],
      ['plain.csv', 'Company', '  '],
      ['plain.csv', 'Contact', 'CT-1'],
      ['=cmd.csv', 'Contact', '-1'],
      ['plain.csv', 'Company', long],
      ['a, "b".csv', 'Company', 'C,3'],
    ];
    rows.forEach(([file, model, key], i) => report.add({ file, line: i + 2, model, key, problems: [missing] }));
    await report.close();
    const read = await parseCsv(await readFile(path, 'utf8'));
    assert.deepEqual(
      read.map((r) => [r.file, r.line, r.model, r.erpKey]),
      [
        ['plain.csv', '2', 'Company', 'C-1'],
        ['a, "b".csv', '3', 'Company', 'C-2'],
        ['plain.csv', '4', 'Company', '  '],
        ['plain.csv', '5', 'Contact', 'CT-1'],
        ["'=cmd.csv", '6', 'Contact', "'-1"],
        ['plain.csv', '7', 'Company', 'K'.repeat(200) + '…'],
        ['a, "b".csv', '8', 'Company', 'C,3'],
      ],
    );
  });

  it('leaves nothing behind when discarded', async (t) => {
    const dir = await tempDir(t);
    const report = new ReportWriter(join(dir, 'rejects.csv'));
    report.add({ file: 'a.csv', line: 2, model: 'Company', key: 'C-1', problems: [problem('REQUIRED', 'companyName', 'missing', '')] });
    await report.discard();
    assert.equal(existsSync(join(dir, 'rejects.csv')), false);
    assert.deepEqual(await readdir(dir), []);
  });
});
