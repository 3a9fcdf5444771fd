// Property: for random records in every input format, build -> read back
// gives the same values, and read = written + rejected (issue #7).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { runBuild } from '../../src/pipeline/build.js';
import { getModel } from '../../src/schema/index.js';
import { csvCell, type EntryFormat } from '../../src/sinks/format.js';
import { FUZZ_RUNS, parseCsv, readBatchRows, readZip, tempDir, writeInputs } from '../helpers.js';

const TEXT_FIELDS = ['erpKey', 'companyName', 'address1', 'city'] as const;
type Company = Record<(typeof TEXT_FIELDS)[number], string>;

/** Text an ERP export may hold: any Unicode (astral too), quotes, separators, line breaks, leading zeros, formulas. NUL is a file-level error, so left out. */
const tricky = fc.constantFrom('"', '""', ',', ';', '\t', '|', '\n', '\r\n', '\r', '=', '=1+2', '+', '-', '@', '007', ' ', '\uFEFF', '\u200B', '\u2028', '🚀', 'ä', '\\', '{', '}', '[', ']', 'sep=;');
const text = fc
  .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), tricky), { maxLength: 6 })
  .map((parts) => parts.join('').replace(/\u0000/g, ''));
const company: fc.Arbitrary<Company> = fc.record({ erpKey: text, companyName: text, address1: text, city: text });

function quoted(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/** The records as an input file of the given format. */
function encode(records: Company[], format: 'csv' | 'ndjson' | 'json', crlf: boolean): string {
  const full = records.map((r) => ({ ...r, companyType: 'Company', isActive: true }));
  const eol = crlf ? '\r\n' : '\n';
  switch (format) {
    case 'csv': {
      const header = [...TEXT_FIELDS, 'companyType', 'isActive'];
      return [header.join(','), ...full.map((r) => [...TEXT_FIELDS.map((f) => quoted(r[f])), 'Company', 'true'].join(','))].join(eol) + eol;
    }
    case 'ndjson':
      return full.map((r) => JSON.stringify(r)).join(eol) + eol;
    case 'json':
      return JSON.stringify(full, null, crlf ? undefined : 1);
  }
}

/** A record is written when its required text is present; an empty cell reads back as "". */
function expectedRows(records: Company[]): Record<string, string>[] {
  return records
    .filter((r) => r.erpKey !== '' && r.companyName !== '')
    .map((r) => ({ ...Object.fromEntries(TEXT_FIELDS.map((f) => [f, r[f]])), companyType: 'Company', isActive: 'true' }));
}

async function readJsonl(out: string, files: readonly string[]): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  for (const file of files) {
    for (const text of (await readZip(`${out}/${file}`)).values()) {
      for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line));
    }
  }
  return rows;
}

describe('build round trip (property)', () => {
  for (const format of ['csv', 'ndjson', 'json'] as const) {
    it(`keeps every value of random ${format} records, and read = written + rejected`, async (t) => {
      await fc.assert(
        fc.asyncProperty(fc.array(company, { maxLength: 12 }), fc.boolean(), fc.boolean(), fc.constantFrom<EntryFormat>('csv', 'jsonl'), async (records, crlf, gzip, entryFormat) => {
          const body = encode(records, format, crlf);
          const name = `companies.${format}${gzip ? '.gz' : ''}`;
          const dir = await writeInputs(t, { [name]: gzip ? gzipSync(body) : body });
          const out = await tempDir(t);
          // Random keys may repeat; this property is about text, not the duplicate check.
          const result = await runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 64 * 1024, entryFormat, duplicates: 'off' });
          const expected = expectedRows(records);
          assert.equal(result.counts.read, records.length);
          assert.equal(result.counts.written, expected.length);
          assert.equal(result.counts.read, result.counts.written + result.counts.rejected);
          const files = result.batches.map((b) => b.file);
          const written =
            entryFormat === 'csv'
              ? ((await readBatchRows(out, files)).get('company.csv') ?? [])
              : (await readJsonl(out, files)).map((r) => ({ address1: '', city: '', ...r, isActive: String(r.isActive) }));
          assert.deepEqual(written.map((r) => ({ ...r })), expected);
          const rejects = await parseCsv(await readFile(result.rejectsFile, 'utf8'));
          assert.equal(rejects.length, result.counts.rejected);
          assert.ok(rejects.every((r) => r.code === 'REQUIRED'), JSON.stringify(rejects));
        }),
        { numRuns: FUZZ_RUNS },
      );
    });
  }

  it('writes CSV records that come as the output writes them, quoting and all, exactly as they came', async (t) => {
    const model = getModel('Company');
    const present = new Set<string>([...TEXT_FIELDS, 'companyType', 'isActive']);
    // The output's columns: the model's fields that the file has, in the model's order.
    const columns = model.fields.filter((f) => present.has(f.name)).map((f) => f.name);
    await fc.assert(
      fc.asyncProperty(fc.array(company, { maxLength: 12 }), fc.boolean(), async (records, crlf) => {
        const lineOf = (r: Company) => columns.map((c) => (c === 'companyType' ? 'Company' : c === 'isActive' ? 'true' : csvCell(r[c as (typeof TEXT_FIELDS)[number]]))).join(',');
        const eol = crlf ? '\r\n' : '\n';
        const dir = await writeInputs(t, { 'companies.csv': [columns.join(','), ...records.map(lineOf)].join(eol) + eol });
        const out = await tempDir(t);
        const result = await runBuild({ inputs: [dir], outDir: out, maxBatchBytes: 64 * 1024, duplicates: 'off' });
        const kept = records.filter((r) => r.erpKey !== '' && r.companyName !== '');
        assert.equal(result.counts.written, kept.length);
        assert.equal(result.counts.read, result.counts.written + result.counts.rejected);
        let body = '';
        for (const batch of result.batches) {
          const text = (await readZip(`${out}/${batch.file}`)).get('company.csv')!;
          body += text.slice(text.indexOf('\n') + 1);
        }
        assert.equal(body, kept.map((r) => lineOf(r) + '\n').join(''));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
