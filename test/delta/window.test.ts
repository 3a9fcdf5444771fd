import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { runBuild } from '../../src/pipeline/build.js';
import { instantOf, parseSince, windowStart } from '../../src/delta/window.js';
import { tempDir } from '../helpers.js';
import { readReport, writeInputs, writtenRows } from '../integrity/fixtures.js';

describe('delta window', () => {
  it('reads date-times without a zone as UTC and date-only values as UTC midnight', () => {
    assert.equal(instantOf('2024-03-01T10:00:00'), Date.UTC(2024, 2, 1, 10));
    assert.equal(instantOf('2024-03-01T10:00:00+02:00'), Date.UTC(2024, 2, 1, 8));
    assert.equal(instantOf('2024-03-01'), Date.UTC(2024, 2, 1));
    assert.equal(parseSince('2024-03-01T00:00:00Z'), Date.UTC(2024, 2, 1));
    assert.throws(() => parseSince('yesterday'), UsageError);
  });

  it('measures --window back from the given start', () => {
    const now = Date.UTC(2024, 2, 3, 12);
    assert.equal(windowStart('48h', now), Date.UTC(2024, 2, 1, 12));
    assert.equal(windowStart('90m', now), Date.UTC(2024, 2, 3, 10, 30));
    assert.equal(windowStart('7d', now), Date.UTC(2024, 1, 25, 12));
    assert.throws(() => windowStart('0h', now), UsageError);
    assert.throws(() => windowStart('2w', now), UsageError);
  });

  it('keeps records modified at or after --since and records without modified; counts the rest as outOfWindow', async (t) => {
    const dir = await tempDir(t);
    const inputs = await writeInputs(dir, {
      'companies.csv': [
        'erpKey,companyName,companyType,isActive,modified',
        'OLD,Old,Company,true,2024-02-28T23:59:59Z',
        'EDGE,Edge,Company,true,2024-03-01T00:00:00Z',
        'NEW,New,Company,true,2024-03-02',
        'NONE,None,Company,true,',
        'BAD,Bad,Nope,true,2024-03-02',
      ],
      'contacts.csv': ['erpKey,companyErpKey,isActive', 'CT-1,OLD,true'],
    });
    const out = join(dir, 'out');
    const result = await runBuild({ inputs, outDir: out, maxBatchBytes: 1_000_000, since: Date.UTC(2024, 2, 1) });
    const rows = await writtenRows(out, result);
    assert.deepEqual(rows.get('company.csv')!.map((r) => r.erpKey), ['EDGE', 'NEW', 'NONE']);
    assert.deepEqual(result.counts.byModel.Company, { read: 5, written: 3, rejected: 1, unchanged: 0, outOfWindow: 1 });
    assert.equal(result.counts.read, result.counts.written + result.counts.rejected + result.counts.unchanged + result.counts.outOfWindow);
    assert.equal(result.manifest!.since, '2024-03-01T00:00:00.000Z');
    assert.equal(result.manifest!.invariant, 'read = written + rejected + unchanged + outOfWindow');
    // A parent outside the window is still a parent: its contact is no orphan.
    assert.deepEqual(await readReport(result.warningsFile), []);
  });
});

