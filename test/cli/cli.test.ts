import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseCsv, readBatchRows, readZip, runCli, SAMPLES, tempDir } from '../helpers.js';

describe('sagesync CLI', () => {
  it('prints help and exits 0', async () => {
    const result = await runCli(['build', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /--max-batch-bytes/);
  });

  it('builds the samples and prints read = written + rejected', async (t) => {
    const out = await tempDir(t);
    const result = await runCli(['build', SAMPLES, '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    const match = /read (\d+) = written (\d+) \+ rejected (\d+)/.exec(result.stdout);
    assert.ok(match, result.stdout);
    assert.equal(Number(match[1]), Number(match[2]) + Number(match[3]));
    assert.ok(existsSync(join(out, 'batch-0001.zip')));
  });

  it('prints the summary as JSON with --json', async (t) => {
    const out = await tempDir(t);
    const result = await runCli(['build', SAMPLES, '--out', out, '--json', '--full', '--app-enrollment-id', '3f2504e0-4f89-11d3-9a0c-0305e82c3301']);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.read, summary.written + summary.rejected);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.isFullSync, true);
    assert.equal(manifest.appEnrollmentId, '3f2504e0-4f89-11d3-9a0c-0305e82c3301');
  });

  it('exits 1 at the first bad record with --on-invalid fail, keeping no batch', async (t) => {
    const out = await tempDir(t);
    const result = await runCli(['build', SAMPLES, '--out', out, '--on-invalid', 'fail']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /first invalid record/);
    assert.ok(!existsSync(join(out, 'batch-0001.zip')));
    assert.ok(!existsSync(join(out, 'manifest.json')));
    const rejects = await parseCsv(await readFile(join(out, 'rejects.csv'), 'utf8'));
    assert.equal(rejects.length, 1);
  });

  it('stops after --max-errors rejects', async (t) => {
    const out = await tempDir(t);
    const result = await runCli(['build', SAMPLES, '--out', out, '--max-errors', '3']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--max-errors 3/);
  });

  it('exits 2 with the accepted names for a file it cannot name', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'customers_export.csv'), 'a,b\n1,2\n');
    const result = await runCli(['build', join(dir, 'customers_export.csv'), '--out', join(dir, 'out')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Accepted names: company/);
  });

  it('reads a file under another name with --input Model=path', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'export-2024.csv');
    await writeFile(file, 'baseCurrencyCode\nEUR\n');
    const result = await runCli(['build', '--input', 'BaseCurrency=' + file, '--out', join(dir, 'out')]);
    assert.equal(result.code, 0, result.stderr);
    const entries = await readZip(join(dir, 'out', 'batch-0001.zip'));
    assert.equal(entries.get('basecurrency.csv'), 'baseCurrencyCode\nEUR\n');
  });

  it('exits 2 on bad flags and bad values', async () => {
    assert.equal((await runCli(['build', SAMPLES, '--bogus'])).code, 2);
    assert.equal((await runCli(['build', SAMPLES, '--max-batch-bytes', 'lots'])).code, 2);
    assert.equal((await runCli(['build', SAMPLES, '--parallel-batches', '0'])).code, 2);
    assert.equal((await runCli(['build', SAMPLES, '--app-enrollment-id', 'nope'])).code, 2);
    assert.equal((await runCli(['frobnicate'])).code, 2);
    assert.equal((await runCli(['build'])).code, 2);
  });

  it('stops before writing anything when a CSV lacks a required column', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'contacts.csv'), 'erpKey,contactName\nCT-1,Jane\n');
    const result = await runCli(['build', dir, '--out', join(dir, 'out')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /required columns? missing: companyErpKey, isActive/);
    assert.ok(!existsSync(join(dir, 'out', 'batch-0001.zip')));
  });

  it('writes the same records whether batches are written one or two at a time', async (t) => {
    const rowsOf = async (parallel: string) => {
      const out = await tempDir(t);
      const result = await runCli(['build', SAMPLES, '--out', out, '--max-batch-bytes', '2500', '--parallel-batches', parallel]);
      assert.equal(result.code, 0, result.stderr);
      const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
      const rows = await readBatchRows(out, manifest.batches.map((b: { file: string }) => b.file));
      return { batches: manifest.batches.length, rows: new Map([...rows].map(([name, list]) => [name, list.map((r) => JSON.stringify(r)).sort()])) };
    };
    const one = await rowsOf('1');
    const two = await rowsOf('2');
    assert.ok(one.batches > 2, `the samples fill ${one.batches} batches of 2500 bytes`);
    assert.deepEqual(two.rows, one.rows);
  });

  it('validate writes only rejects and a summary', async (t) => {
    const out = await tempDir(t);
    const result = await runCli(['validate', SAMPLES, '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /validated 15 inputs/);
    assert.ok(existsSync(join(out, 'rejects.csv')));
    assert.ok(!existsSync(join(out, 'batch-0001.zip')));
    assert.ok(!existsSync(join(out, 'manifest.json')));
  });

  for (const tz of ['Pacific/Kiritimati', 'America/Los_Angeles']) {
    it(`keeps date-only values on their day under TZ=${tz}`, async (t) => {
      const out = await tempDir(t);
      const result = await runCli(['build', SAMPLES, '--out', out], { env: { TZ: tz } });
      assert.equal(result.code, 0, result.stderr);
      const entries = await readZip(join(out, 'batch-0001.zip'));
      const invoices = await parseCsv(entries.get('invoice.csv')!);
      assert.deepEqual(
        invoices.map((r) => [r.erpKey, r.invoiceDate]),
        [['INV-1001', '2024-03-01'], ['INV-1002', '2024-01-01'], ['00042', '2023-12-31'], ['AP-2001', '2024-02-15']],
      );
      const balances = await parseCsv(entries.get('financialaccountbalancehistory.csv')!);
      assert.equal(balances[0].periodStartDate, '2023-07-01');
    });
  }

  it('exits 2 on an empty input set', async (t) => {
    const empty = await tempDir(t);
    const result = await runCli(['build', empty, '--out', join(empty, 'out')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sagesync: no input files/);
  });
});

describe('sagesync CLI with outputs inside the input folder', () => {
  it('does not read its own reports back as exports', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'basecurrency.csv'), 'baseCurrencyCode\nEUR\n,\n');
    const first = await runCli(['validate', dir, '--out', dir]);
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli(['build', dir, '--out', dir]);
    assert.equal(second.code, 0, second.stderr);
    const again = await runCli(['build', dir, '--out', dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /read 2 = written 1 \+ rejected 1/);
  });
});
