import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBuild } from '../../src/pipeline/build.js';
import { SyncStore } from '../../src/serve/store.js';
import { SAMPLES, tempDir } from '../helpers.js';
import { API_KEY, makeZip, postZip, startService } from './service.js';

const COMPANY_HEADER = 'erpKey,companyName,companyType,isActive';

// Each test has its own service; they overlap.
describe('sagesync serve', { concurrency: 3 }, () => {
  it('refuses requests without the API key and accepts each documented spelling of it', async (t) => {
    const service = await startService(t);
    assert.equal((await fetch(new URL('api/v1/Sync/query', service.url))).status, 401);
    assert.equal((await fetch(new URL('api/v1/Sync/query', service.url), { headers: { 'Api-Key': 'wrong' } })).status, 401);
    for (const headers of <Record<string, string>[]>[{ 'Api-Key': API_KEY }, { ApiKey: API_KEY }, { APIKey: API_KEY }, { Authorization: `Bearer ${API_KEY}` }]) {
      assert.equal((await fetch(new URL('api/v1/Sync/query', service.url), { headers })).status, 200, JSON.stringify(Object.keys(headers)));
    }
  });

  it('merges a built batch: inserts first, skips an identical re-upload, updates only changed records', async (t) => {
    const service = await startService(t);
    const out = await tempDir(t);
    const build = await runBuild({ inputs: [SAMPLES], outDir: out, maxBatchBytes: 50_000_000 });
    const zip = await readFile(join(out, build.batches[0].file));

    const first = await (await postZip(service, zip, '?isFullSync=false')).json();
    assert.equal(first.statusCode, 'Ready');
    const done = await service.settle(first.syncRequestId);
    assert.equal(done.statusCode, 'Success', done.processResultMessage);
    for (const [model, tally] of Object.entries(build.counts.byModel)) {
      assert.equal(done.details[model].insertCount, tally.written, model);
      assert.equal(done.details[model].errorCount, 0, model);
    }

    const again = await service.settle((await (await postZip(service, zip)).json()).syncRequestId);
    for (const [model, tally] of Object.entries(build.counts.byModel)) {
      assert.deepEqual([again.details[model].insertCount, again.details[model].updateCount, again.details[model].skipCount], [0, 0, tally.written], model);
    }

    const companies = await service.records('Company');
    assert.equal(companies.length, build.counts.byModel.Company.written);
    const row = (r: Record<string, string>) => [r.erpKey, r.companyName, r.companyType, r.isActive].map((v) => `"${v.replace(/"/g, '""')}"`).join(',');
    const edited = makeZip([{ name: 'company.csv', data: `${COMPANY_HEADER}\n${row({ ...companies[0].data, companyName: 'Renamed Ltd' })}\n${row(companies[1].data)}\n` }]);
    const third = await service.settle((await (await postZip(service, edited)).json()).syncRequestId);
    assert.deepEqual([third.details.Company.insertCount, third.details.Company.updateCount, third.details.Company.skipCount], [0, 1, 1]);
    const after = await service.records('Company');
    assert.equal(after.find((r: any) => r.identity === companies[0].identity).data.companyName, 'Renamed Ltd');
    assert.equal(after.find((r: any) => r.identity === companies[0].identity).data.address1, companies[0].data.address1, 'a column the upload lacks keeps its value');
  });

  it('reads JSONL entries as it reads CSV ones', async (t) => {
    const service = await startService(t);
    const out = await tempDir(t);
    const build = await runBuild({ inputs: [SAMPLES], outDir: out, maxBatchBytes: 50_000_000, entryFormat: 'jsonl' });
    const sync = await service.settle((await (await postZip(service, await readFile(join(out, build.batches[0].file)))).json()).syncRequestId);
    assert.equal(sync.statusCode, 'Success', sync.processResultMessage);
    for (const [model, tally] of Object.entries(build.counts.byModel)) {
      assert.deepEqual([sync.details[model].insertCount, sync.details[model].errorCount], [tally.written, 0], model);
    }
    const unknown = makeZip([{ name: 'company.jsonl', data: '{"erpKey":"A","companyName":"A","companyType":"Customer","isActive":true,"shoeSize":9}\n' }]);
    const failed = await service.settle((await (await postZip(service, unknown)).json()).syncRequestId);
    assert.match(failed.processResultMessage, /unknown column shoeSize/);
  });

  it('keys custom fields by tableKey + erpKey + label, and counts bad rows as errors', async (t) => {
    const service = await startService(t);
    const csv = 'tableKey,erpKey,customFieldLabel,value\nCompany,C1,Region,North\nCompany,C1,Tier,Gold\nInvoice,C1,Region,South\nCompany,C1,Region,North\nNope,C2,Region,x\n';
    const sync = await service.settle((await (await postZip(service, makeZip([{ name: 'customfield.csv', data: csv }]))).json()).syncRequestId);
    assert.equal(sync.statusCode, 'Success');
    assert.deepEqual([sync.details.CustomField.insertCount, sync.details.CustomField.skipCount, sync.details.CustomField.errorCount], [3, 1, 1]);
    assert.ok(Object.values(sync.details.CustomField.errors).flat().some((m) => String(m).startsWith('ENUM')));
  });

  for (const [what, entries, message] of [
    ['an unknown entry name', [{ name: 'customers.csv', data: `${COMPANY_HEADER}\nA,A,Customer,true\n` }], /unknown entry "customers.csv"/],
    ['an unknown column', [{ name: 'company.csv', data: `${COMPANY_HEADER},shoeSize\nA,A,Customer,true,9\n` }], /unknown column shoeSize/],
    ['a ".." path', [{ name: '../company.csv', data: `${COMPANY_HEADER}\nA,A,Customer,true\n` }], /not a safe relative path/],
    ['an absolute path', [{ name: '/etc/company.csv', data: `${COMPANY_HEADER}\nA,A,Customer,true\n` }], /not a safe relative path/],
    ['an extreme compression ratio', [{ name: 'company.csv', data: `${COMPANY_HEADER}\n` + 'A'.repeat(3_000_000), deflate: true }], /ZIP bomb/],
    ['too many entries', Array.from({ length: 4 }, () => ({ name: 'company.csv', data: `${COMPANY_HEADER}\n` })), /4 entries; at most 3/],
  ] as const) {
    it(`fails an upload with ${what} and stores nothing`, async (t) => {
      const service = await startService(t, ['--max-entries', '3']);
      const sync = await service.settle((await (await postZip(service, makeZip(entries as any))).json()).syncRequestId);
      assert.equal(sync.statusCode, 'Failed');
      assert.match(sync.processResultMessage, message);
      assert.deepEqual(await service.records('Company'), []);
    });
  }

  it('fails an unreadable ZIP and answers 413 past the upload limit', async (t) => {
    const service = await startService(t, ['--max-upload-bytes', '4KB']);
    const sync = await service.settle((await (await postZip(service, Buffer.from('this is not a zip file at all'))).json()).syncRequestId);
    assert.equal(sync.statusCode, 'Failed');
    assert.match(sync.processResultMessage, /unreadable/);
    const big = await postZip(service, makeZip([{ name: 'company.csv', data: 'x'.repeat(5000) }]));
    assert.equal(big.status, 413);
    assert.equal((await service.syncs()).length, 1);
  });

  it('accepts a BatchSyncModel with any property case and filters sync queries', async (t) => {
    const service = await startService(t);
    const body = JSON.stringify({ Companies: [{ ErpKey: 'B1', companyName: 'Batch Co', companyType: 'Vendor', isActive: true }], baseCurrencies: [{ baseCurrencyCode: 'USD' }] });
    const post = (query: string) => fetch(new URL(`api/v1/Sync/batch${query}`, service.url), { method: 'POST', headers: { 'Api-Key': API_KEY, 'content-type': 'application/json' }, body });
    const enrollment = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
    const first = await service.settle((await (await post(`?appEnrollmentId=${enrollment}&currentBatch=1&totalBatches=2`)).json()).syncRequestId);
    assert.equal(first.statusCode, 'Success', first.processResultMessage);
    assert.equal(first.details.Company.insertCount, 1);
    await service.settle((await (await post('?currentBatch=2&totalBatches=2')).json()).syncRequestId);
    const inScope = await service.json(`api/v1/Sync/query?filter=${encodeURIComponent(`appEnrollmentId eq ${enrollment} and currentBatch eq 1`)}`);
    assert.deepEqual(inScope.records.map((r: any) => r.syncRequestId), [first.syncRequestId]);
    assert.equal(inScope.records[0].details, null, 'details only with include=details');
    const records = await service.records('companies');
    assert.deepEqual(records.map((r: any) => r.appEnrollmentId).sort(), [null, enrollment].sort(), 'each app enrollment is its own scope');
    assert.equal((await post('?appEnrollmentId=not-a-uuid')).status, 400);
    assert.equal((await service.get('api/v1/Sync/query?filter=created%20sounds%20like%20x')).status, 400);
  });

  it('keeps records in --db across restarts and fails syncs an earlier process left unfinished', async (t) => {
    const db = join(await tempDir(t), 'serve.db');
    const store = new SyncStore(db);
    const now = new Date().toISOString();
    store.saveSync({ syncRequestId: '11111111-2222-4333-8444-555555555555', groupKey: '11111111-2222-4333-8444-555555555555', statusCode: 'In Progress', operationTypeName: 'Write', operationType: 1,
      processResultMessage: null, failureCount: 0, runFullSync: false, appEnrollmentId: null, created: now, modified: now, modifiedUserId: '11111111-2222-4333-8444-555555555555',
      parentSyncRequestId: null, currentBatch: null, totalBatches: null, details: null }, true);
    store.close();
    const service = await startService(t, ['--db', db]);
    const left = await service.json('api/v1/Sync/11111111-2222-4333-8444-555555555555');
    assert.equal(left.statusCode, 'Failed');
    await service.settle((await (await postZip(service, makeZip([{ name: 'company.csv', data: `${COMPANY_HEADER}\nK1,Kept,Customer,true\n` }]))).json()).syncRequestId);
    service.child.kill('SIGTERM');
    await once(service.child, 'exit');
    const restarted = await startService(t, ['--db', db]);
    assert.deepEqual((await restarted.records('Company')).map((r: any) => r.identity), ['K1']);
  });

  it('injects the configured share of failures with Retry-After on 429', async (t) => {
    const service = await startService(t, ['--fail-rate', '0.5', '--status', '429']);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await service.get('api/v1/Sync/query'));
    assert.deepEqual(statuses.map((r) => r.status), [200, 429, 200, 429]);
    assert.equal(statuses[1].headers.get('retry-after'), '1');
  });
});
