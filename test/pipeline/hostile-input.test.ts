// Hostile inputs end to end (issue #7): each case asserts that every record
// ends in exactly one batch or one reject, or that the run stops with a
// file-level error naming the file and the place.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { DataError, UsageError } from '../../src/errors.js';
import { runBuild, type BuildOptions } from '../../src/pipeline/build.js';
import { parseCsv, readBatchRows, tempDir, writeInputs } from '../helpers.js';

const HEADER = 'erpKey,companyName,companyType,isActive';

type TestContext = { after(fn: () => Promise<void>): void };

async function build(t: TestContext, files: Record<string, string | Uint8Array>, options: Partial<BuildOptions> = {}) {
  const dir = await writeInputs(t, files);
  const out = await tempDir(t);
  const result = await runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 1_000_000, ...options });
  const rows = await readBatchRows(out, result.batches.map((b) => b.file));
  const rejects = await parseCsv(await readFile(result.rejectsFile, 'utf8'));
  assert.equal(result.counts.read, result.counts.written + result.counts.rejected);
  assert.equal(rejects.length, result.counts.rejected);
  return { result, rows, rejects, dir, out };
}

async function failure(t: TestContext, files: Record<string, string | Uint8Array>, options: Partial<BuildOptions> = {}): Promise<Error> {
  const dir = await writeInputs(t, files);
  const out = await tempDir(t);
  try {
    await runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 1_000_000, ...options });
  } catch (error) {
    return error as Error;
  }
  assert.fail('the build should have stopped');
}

const names = (rows: Map<string, Record<string, string>[]>) => (rows.get('company.csv') ?? []).map((r) => r.companyName);

describe('hostile input: encoding', () => {
  it('drops a UTF-8 BOM before a quoted header', async (t) => {
    const { rows } = await build(t, { 'companies.csv': '\uFEFF"erpKey","companyName","companyType","isActive"\nA,"Ä, B",Company,true\n' });
    assert.deepEqual(rows.get('company.csv'), [{ erpKey: 'A', companyName: 'Ä, B', companyType: 'Company', isActive: 'true' }]);
  });

  for (const [encoding, bom] of [['utf16le', [0xff, 0xfe]], ['utf16be', [0xfe, 0xff]]] as const) {
    it(`transcodes ${encoding} with a BOM`, async (t) => {
      const text = `${HEADER}\nA,Zoë 🚀,Company,true\n`;
      let body = Buffer.from(text, 'utf16le');
      if (encoding === 'utf16be') body = Buffer.from(body).swap16();
      const { rows } = await build(t, { 'companies.csv': Buffer.concat([Buffer.from(bom), body]) });
      assert.deepEqual(names(rows), ['Zoë 🚀']);
    });
  }

  it('reads Excel "Unicode text": UTF-16LE with a BOM and tabs', async (t) => {
    const text = 'erpKey\tcompanyName\tcompanyType\tisActive\r\nA\t"Zoë, ""B"""\tCompany\ttrue\r\n';
    const { rows, result } = await build(t, { 'companies.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) });
    assert.deepEqual(names(rows), ['Zoë, "B"']);
    assert.ok(result.warnings.some((w) => w.includes('delimiter "\\t" detected')), result.warnings.join('\n'));
  });

  it('stops at invalid UTF-8 with its byte offset, and never writes U+FFFD', async (t) => {
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\nA,Caf`), Buffer.from([0xe9]), Buffer.from(',Company,true\n')]);
    const error = await failure(t, { 'companies.csv': bytes });
    assert.ok(error instanceof DataError);
    assert.match(error.message, new RegExp(`companies\\.csv: invalid UTF-8 at byte ${HEADER.length + 6};`));
    assert.match(error.message, /--encoding latin1/);
  });

  it('transcodes Latin-1 with --encoding latin1', async (t) => {
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\nA,Caf`), Buffer.from([0xe9]), Buffer.from(',Company,true\n')]);
    const { rows } = await build(t, { 'companies.csv': bytes }, { encoding: 'latin1' });
    assert.deepEqual(names(rows), ['Café']);
  });

  it('refuses NUL bytes as a file-level error', async (t) => {
    const error = await failure(t, { 'companies.csv': `${HEADER}\nA,x\u0000y,Company,true\n` });
    assert.ok(error instanceof DataError);
    assert.match(error.message, /companies\.csv: NUL byte at byte \d+/);
  });

  it('refuses NUL bytes with --encoding latin1 too', async (t) => {
    const error = await failure(t, { 'companies.csv': `${HEADER}\nA,x\u0000y,Company,true\n` }, { encoding: 'latin1' });
    assert.match(error.message, /NUL byte/);
  });

  it('refuses an XLSX (ZIP) file named .csv', async (t) => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60, 1)]);
    const error = await failure(t, { 'companies.csv': zip });
    assert.ok(error instanceof DataError);
    assert.match(error.message, /companies\.csv: this is a ZIP archive/);
  });
});

describe('hostile input: delimiters', () => {
  const semicolons = 'erpKey;companyName;companyType;isActive\nA;"x; y, z";Company;true\n';

  it('honours --delimiter ;', async (t) => {
    const { rows } = await build(t, { 'companies.csv': semicolons }, { delimiter: ';' });
    assert.deepEqual(names(rows), ['x; y, z']);
  });

  it('honours a sep=; first line and keeps physical line numbers', async (t) => {
    const { rows, rejects } = await build(t, { 'companies.csv': `sep=;\n${semicolons}B;y;Nope;true\n` });
    assert.deepEqual(names(rows), ['x; y, z']);
    assert.equal(rejects[0].line, '4');
  });

  it('detects ; from the header line and reports the choice', async (t) => {
    const { rows, result } = await build(t, { 'companies.csv': semicolons });
    assert.deepEqual(names(rows), ['x; y, z']);
    assert.ok(result.warnings.some((w) => /companies\.csv: .*delimiter ";" detected/.test(w)), result.warnings.join('\n'));
  });

  it('detects a tab delimiter', async (t) => {
    const { rows } = await build(t, { 'companies.csv': 'erpKey\tcompanyName\tcompanyType\tisActive\nA\tx, y\tCompany\ttrue\n' });
    assert.deepEqual(names(rows), ['x, y']);
  });

  it('keeps "," without a warning for an ordinary file', async (t) => {
    const { result } = await build(t, { 'companies.csv': `${HEADER}\nA,x;y,Company,true\n` });
    assert.ok(!result.warnings.some((w) => /delimiter/.test(w)), result.warnings.join('\n'));
  });
});

describe('hostile input: quoting', () => {
  it('rejects an unterminated quote once and resumes on the next line', async (t) => {
    const { rows, rejects } = await build(t, { 'companies.csv': `${HEADER}\nA,"never closed,Company,true\nB,fine,Company,true\nC,also fine,Company,true\n` });
    assert.deepEqual(names(rows), ['fine', 'also fine']);
    assert.deepEqual(rejects.map((r) => [r.line, r.code]), [['2', 'MALFORMED']]);
  });

  it('rejects a bare quote inside an unquoted field', async (t) => {
    const { rows, rejects } = await build(t, { 'companies.csv': `${HEADER}\nA,5" pipe,Company,true\nB,ok,Company,true\n` });
    assert.deepEqual(names(rows), ['ok']);
    assert.equal(rejects[0].code, 'MALFORMED');
    assert.match(rejects[0].reason, /quote inside an unquoted field/);
  });

  it('caps a quoted field so one stray quote cannot swallow the file', async (t) => {
    const good = Array.from({ length: 50 }, (_, i) => `K${i},name ${i},Company,true\n`).join('');
    const { rows, rejects } = await build(t, { 'companies.csv': `${HEADER}\nA,"stray,Company,true\n${good}` }, { maxRecordBytes: 200 });
    assert.equal(names(rows).length, 50);
    assert.deepEqual(rejects.map((r) => [r.line, r.code]), [['2', 'MALFORMED']]);
  });
});

describe('hostile input: row shape and headers', () => {
  it('rejects rows with too many or too few fields, with expected and actual', async (t) => {
    const { rows, rejects } = await build(t, { 'companies.csv': `${HEADER}\nA,x,Company,true,extra\nB,y,Company\nC,z,Company,true\n` });
    assert.deepEqual(names(rows), ['z']);
    assert.deepEqual(rejects.map((r) => [r.line, r.code, r.reason]), [
      ['2', 'MALFORMED', 'expected 4 fields as in the header, found 5'],
      ['3', 'MALFORMED', 'expected 4 fields as in the header, found 3'],
    ]);
  });

  it('stops on a duplicate header before writing anything', async (t) => {
    const error = await failure(t, { 'companies.csv': 'erpKey,companyName,companyType,isActive,erpKey\nA,x,Company,true,A\n' });
    assert.ok(error instanceof DataError);
    assert.match(error.message, /companies\.csv: column "erpKey" appears twice/);
  });

  it('stops on a blank header', async (t) => {
    const error = await failure(t, { 'companies.csv': 'erpKey,,companyName,companyType,isActive\nA,,x,Company,true\n' });
    assert.match(error.message, /companies\.csv: column 2 has a blank header/);
  });

  it('reads headers differing only by case or spaces, with a warning', async (t) => {
    const { rows, result } = await build(t, { 'companies.csv': 'ERPKEY, Company Name ,company_type,isactive\nA,x,Company,true\n' });
    assert.deepEqual(rows.get('company.csv'), [{ erpKey: 'A', companyName: 'x', companyType: 'Company', isActive: 'true' }]);
    assert.ok(result.warnings.some((w) => w.includes('column " Company Name " read as "companyName"')), result.warnings.join('\n'));
  });

  it('stops on a missing required column before any row is read, writing nothing', async (t) => {
    const dir = await writeInputs(t, { 'companies.csv': 'erpKey,companyName,isActive\nA,x,true\n' });
    const out = await tempDir(t);
    await assert.rejects(runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 1_000_000 }), /companies\.csv: required column missing: companyType/);
    assert.deepEqual(await readdir(out).catch(() => []), []);
  });
});

describe('hostile input: empty input', () => {
  it('reads 0 records from header-only and empty files', async (t) => {
    const { result } = await build(t, { 'companies.csv': `${HEADER}\n`, 'contacts.csv': '', 'invoices.ndjson': '', 'payments.json': '[]' });
    assert.equal(result.counts.read, 0);
  });

  it('refuses an empty input set', async (t) => {
    const error = await failure(t, {});
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /no input files/);
  });
});

describe('hostile input: oversized records', () => {
  const big = 'x'.repeat(5000);

  it('rejects a CSV line longer than --max-record-bytes and reads on', async (t) => {
    const { rows, rejects } = await build(t, { 'companies.csv': `${HEADER}\nA,${big},Company,true\nB,ok,Company,true\n` }, { maxRecordBytes: 1000 });
    assert.deepEqual(names(rows), ['ok']);
    assert.deepEqual(rejects.map((r) => [r.line, r.code]), [['2', 'TOO_LARGE']]);
  });

  it('rejects a quoted CSV field longer than --max-record-bytes', async (t) => {
    const { rows, rejects } = await build(t, { 'companies.csv': `${HEADER}\nA,"${big}",Company,true\nB,ok,Company,true\n` }, { maxRecordBytes: 1000 });
    assert.deepEqual(names(rows), ['ok']);
    assert.equal(rejects.length, 1);
    assert.equal(rejects[0].line, '2');
  });

  it('stops on a CSV header longer than --max-record-bytes', async (t) => {
    const error = await failure(t, { 'companies.csv': `${HEADER},${big}\nA,x,Company,true,y\n` }, { maxRecordBytes: 1000 });
    assert.ok(error instanceof DataError, String(error));
    assert.match(error.message, /companies\.csv: the header line \(line 1\) is longer than --max-record-bytes/);
  });

  it('rejects an NDJSON line longer than --max-record-bytes and reads on', async (t) => {
    const line = (key: string, name: string) => JSON.stringify({ erpKey: key, companyName: name, companyType: 'Company', isActive: true });
    const { rows, rejects } = await build(t, { 'companies.ndjson': `${line('A', big)}\n${line('B', 'ok')}\n` }, { maxRecordBytes: 1000 });
    assert.deepEqual(names(rows), ['ok']);
    assert.deepEqual(rejects.map((r) => [r.line, r.code]), [['1', 'TOO_LARGE']]);
  });

  it('rejects an oversized JSON-array element and reads on', async (t) => {
    const element = (key: string, name: string) => JSON.stringify({ erpKey: key, companyName: name, companyType: 'Company', isActive: true });
    const { rows, rejects } = await build(t, { 'companies.json': `[\n${element('A', big)},\n${element('B', 'ok')}]` }, { maxRecordBytes: 1000 });
    assert.deepEqual(names(rows), ['ok']);
    assert.deepEqual(rejects.map((r) => [r.line, r.code]), [['2', 'TOO_LARGE']]);
  });

  it('stops on an oversized scalar JSON-array element, which cannot be skipped like an object', async (t) => {
    const element = JSON.stringify({ erpKey: 'B', companyName: 'ok', companyType: 'Company', isActive: true });
    const error = await failure(t, { 'companies.json': `["${big}", ${element}]` }, { maxRecordBytes: 1000 });
    assert.match(error.message, /companies\.json: element on line 1 is larger than --max-record-bytes$/);
  });

  it('rejects a scalar JSON-array element holding a comma, and reads on', async (t) => {
    const element = JSON.stringify({ erpKey: 'B', companyName: 'ok', companyType: 'Company', isActive: true });
    const { rows, rejects } = await build(t, { 'companies.json': `["a, ] b", 12, ${element}]` });
    assert.deepEqual(names(rows), ['ok']);
    assert.deepEqual(rejects.map((r) => [r.code, r.value]), [['MALFORMED', '"a, ] b"'], ['MALFORMED', '12']]);
  });

  it('rejects one record larger than --max-batch-bytes as TOO_LARGE, once, and writes the rest', async (t) => {
    const huge = Array.from({ length: 3000 }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7919) % 20000))).join('');
    const { rows, rejects, result } = await build(t, { 'companies.csv': `${HEADER}\nA,${huge},Company,true\nB,ok,Company,true\n` }, { maxBatchBytes: 4096 });
    assert.deepEqual(names(rows), ['ok']);
    assert.deepEqual(rejects.map((r) => [r.line, r.code, r.erpKey]), [['2', 'TOO_LARGE', 'A']]);
    assert.equal(result.batches.length, 1);
    assert.ok(result.batches[0].bytes <= 4096);
  });
});

describe('hostile input: NDJSON oddities', () => {
  it('handles a BOM, CRLF, blank lines and garbage lines', async (t) => {
    const line = (key: string) => JSON.stringify({ erpKey: key, companyName: `n${key}`, companyType: 'Company', isActive: true });
    const text = `\uFEFF${line('A')}\r\n\r\n   \r\nnot json at all\r\n${line('B')}\r\n[1,2]\r\n{"erpKey": "C",\r\n${line('D')}`;
    const { rows, rejects } = await build(t, { 'companies.ndjson': text });
    assert.deepEqual(names(rows), ['nA', 'nB', 'nD']);
    assert.deepEqual(rejects.map((r) => [r.line, r.code]), [['4', 'MALFORMED'], ['6', 'MALFORMED'], ['7', 'MALFORMED']]);
  });
});

describe('hostile input: keys', () => {
  it('rejects a Contact erpKey holding "|" with code RESERVED', async (t) => {
    const { rows, rejects } = await build(t, { 'contacts.csv': 'erpKey,companyErpKey,isActive\nAcme|1,Acme,true\nAcme-2,Acme,true\n' });
    assert.deepEqual(rows.get('contact.csv')?.map((r) => r.erpKey), ['Acme-2']);
    assert.deepEqual(rejects.map((r) => [r.line, r.code, r.field]), [['2', 'RESERVED', 'erpKey']]);
  });

  it('lets "|" through in keys of other models', async (t) => {
    const { rows } = await build(t, { 'companies.csv': `${HEADER}\nA|1,x,Company,true\n` });
    assert.deepEqual(rows.get('company.csv')?.map((r) => r.erpKey), ['A|1']);
  });
});

describe('hostile input: formulas', () => {
  it('neutralises formulas in rejects.csv but sends them unchanged', async (t) => {
    const { rows, rejects } = await build(t, { 'companies.csv': `${HEADER}\n=1+2,"=HYPERLINK(""http://x"")",Company,true\n@SUM(A1),x,Nope,true\n` });
    assert.deepEqual(rows.get('company.csv')?.map((r) => [r.erpKey, r.companyName]), [['=1+2', '=HYPERLINK("http://x")']]);
    assert.equal(rejects[0].erpKey, "'@SUM(A1)");
  });
});

describe('hostile input: blanks and zero-width characters in keys', () => {
  const csv = `${HEADER},parentCompanyErpKey\n" A ",x,Company,true,\nB\u200B,y,Company,true, A\nC,z,Company,true,\n`;

  it('sends such keys unchanged by default, with a warning', async (t) => {
    const { rows, result } = await build(t, { 'companies.csv': csv });
    assert.deepEqual(rows.get('company.csv')?.map((r) => [r.erpKey, r.parentCompanyErpKey]), [[' A ', ''], ['B\u200B', ' A'], ['C', '']]);
    assert.ok(result.warnings.includes('Company: 3 key values have blanks at an end or zero-width characters and are sent unchanged (--normalize-keys trims them); first on line 2: " A "'), result.warnings.join('\n'));
  });

  it('normalises them with --normalize-keys, references included', async (t) => {
    const { rows, result } = await build(t, { 'companies.csv': csv }, { normalizeKeys: true });
    assert.deepEqual(rows.get('company.csv')?.map((r) => [r.erpKey, r.parentCompanyErpKey]), [['A', ''], ['B', 'A'], ['C', '']]);
    assert.ok(result.warnings.some((w) => w.startsWith('Company: 3 key values had blanks at an end or zero-width characters and were normalised')), result.warnings.join('\n'));
  });

  it('rejects a record whose normalised key collides with an earlier one', async (t) => {
    const { rows, rejects } = await build(t, { 'companies.csv': `${HEADER}\nA ,x,Company,true\n\u200BA,y,Company,true\nA,z,Company,true\nB,w,Company,true\n` }, { normalizeKeys: true });
    assert.deepEqual(rows.get('company.csv')?.map((r) => [r.erpKey, r.companyName]), [['A', 'x'], ['B', 'w']]);
    assert.deepEqual(rejects.map((r) => [r.line, r.code, r.erpKey]), [['3', 'KEY_COLLISION', '\u200BA'], ['4', 'KEY_COLLISION', 'A']]);
  });

  it('rejects a key that is blank once normalised as REQUIRED', async (t) => {
    const { rejects } = await build(t, { 'companies.csv': `${HEADER}\n" \u200B",x,Company,true\n` }, { normalizeKeys: true });
    assert.deepEqual(rejects.map((r) => [r.code, r.field]), [['REQUIRED', 'erpKey']]);
  });
});

describe('hostile input: damaged gzip', () => {
  it('stops with a file-level error on gzip data cut off mid-file, keeping nothing', async (t) => {
    const rows = Array.from({ length: 3000 }, (_, i) => `K${i},${(i * 7919).toString(36)},Company,true`).join('\n');
    const whole = gzipSync(`${HEADER}\n${rows}\n`);
    const dir = await writeInputs(t, { 'companies.csv.gz': whole.subarray(0, whole.length - 200) });
    const out = await tempDir(t);
    await assert.rejects(runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 1_000_000 }), {
      code: 'MALFORMED_FILE',
      message: /companies\.csv\.gz: not a valid gzip file \(unexpected end of file\)$/,
    });
    assert.deepEqual(await readdir(out), []);
  });

  it('stops with a file-level error on a .gz that is not gzip', async (t) => {
    const error = await failure(t, { 'companies.csv.gz': `${HEADER}\n` });
    assert.match(error.message, /companies\.csv\.gz: not a valid gzip file \(incorrect header check\)/);
  });
});

describe('hostile input: broken JSON array structure', () => {
  it('stops with one clear error and leaves no partial file', async (t) => {
    const element = JSON.stringify({ erpKey: 'A', companyName: 'x', companyType: 'Company', isActive: true });
    const dir = await writeInputs(t, { 'companies.json': `[${element}, 12] trailing` });
    const out = await tempDir(t);
    await assert.rejects(runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 1_000_000 }), /companies\.json: unexpected text after the closing "\]" on line 1/);
    assert.deepEqual(await readdir(out), []);
  });
});

describe('hostile input: JSON keys naming one field twice', () => {
  it('stops with a file-level error instead of keeping one of the values', async (t) => {
    const record = '{"erpKey":"A"," erpKey ":"B","companyName":"x","companyType":"Company","isActive":true}';
    const error = await failure(t, { 'companies.ndjson': `${record}\n` });
    assert.ok(error instanceof DataError);
    assert.match(error.message, /companies\.ndjson: columns "erpKey" and " erpKey " both name the field erpKey/);
  });
});
