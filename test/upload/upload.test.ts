import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { runBuild } from '../../src/pipeline/build.js';
import { ROOT, runCli, SAMPLES, tempDir } from '../helpers.js';
import { API_KEY, startService, type Service } from '../serve/service.js';

const ENV = { SAGE_API_KEY: API_KEY };
/** Short waits so tests stay fast; the defaults suit a real network. */
const FAST = ['--poll-interval', '20', '--retry-delay', '10'];

async function build(t: any, inputs = SAMPLES, maxBatchBytes = 1500, out?: string): Promise<{ out: string; manifest: any }> {
  out ??= await tempDir(t);
  await runBuild({ inputs: [inputs], outDir: out, maxBatchBytes });
  return { out, manifest: JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) };
}

function upload(service: Service, out: string, extra: string[] = []) {
  return runCli(['upload', out, '--base-url', service.url, ...FAST, ...extra], { env: ENV });
}

/** Inserted/updated/skipped per model, summed over every sync the service ran. */
async function serverTotals(service: Service) {
  const totals: Record<string, { insert: number; update: number; skip: number }> = {};
  for (const sync of await service.syncs()) {
    const full = await service.json(`api/v1/Sync/${sync.syncRequestId}?include=Details`);
    for (const [model, r] of Object.entries<any>(full.details ?? {})) {
      const t = (totals[model] ??= { insert: 0, update: 0, skip: 0 });
      t.insert += r.insertCount;
      t.update += r.updateCount;
      t.skip += r.skipCount;
    }
  }
  return totals;
}

/** Each batch reached the service exactly once, and every written record was inserted exactly once. */
async function assertExactlyOnce(service: Service, manifest: any) {
  const syncs = await service.syncs();
  assert.deepEqual(syncs.map((s: any) => s.currentBatch).sort((a: number, b: number) => a - b), manifest.batches.map((_: unknown, i: number) => i + 1));
  assert.ok(syncs.every((s: any) => s.statusCode === 'Success'));
  const totals = await serverTotals(service);
  for (const [model, tally] of Object.entries<any>(manifest.counts.byModel)) {
    if (tally.written > 0) assert.equal(totals[model]?.insert, tally.written, model);
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? (e as any).path, e.name));
}

async function assertKeyNowhere(out: string, ...texts: string[]) {
  for (const text of texts) assert.ok(!text.includes(API_KEY), 'the key appears in the output');
  for (const file of await filesUnder(out)) {
    assert.ok(!(await readFile(file)).includes(API_KEY), `the key appears in ${file}`);
  }
}

// Each test has its own service and folders; much of their time is waiting, so they overlap.
describe('sagesync upload', { concurrency: 3 }, () => {
  it('sends every batch once, saves details, and a re-run sends nothing', async (t) => {
    const service = await startService(t);
    const { out, manifest } = await build(t);
    assert.ok(manifest.batches.length > 3, 'the samples make several batches at this size');
    const first = await upload(service, out, ['--concurrency', '2']);
    assert.equal(first.code, 0, first.stderr);
    await assertExactlyOnce(service, manifest);
    assert.match(first.stdout, new RegExp(`total\\s+${manifest.counts.written}\\s+0\\s+0\\s+0`));
    const syncs = await service.syncs();
    const parent = syncs.find((s: any) => s.currentBatch === 1).syncRequestId;
    assert.ok(syncs.filter((s: any) => s.currentBatch > 1).every((s: any) => s.parentSyncRequestId === parent));
    for (let i = 1; i <= manifest.batches.length; i++) {
      const saved = JSON.parse(await readFile(join(out, 'results', `batch-${String(i).padStart(4, '0')}.json`), 'utf8'));
      assert.equal(saved.statusCode, 'Success');
      assert.equal(typeof saved.details, 'object');
    }
    const state = JSON.parse(await readFile(join(out, 'upload-state.json'), 'utf8'));
    assert.ok(Object.values<any>(state.batches).every((b) => b.status === 'succeeded'));

    const again = await upload(service, out);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already succeeded/);
    assert.equal((await service.syncs()).length, manifest.batches.length, 'a re-run sends nothing');
    await assertKeyNowhere(out, first.stdout, first.stderr, again.stdout, again.stderr);
  });

  it('re-uploading the same build skips everything; a rebuild with edits updates exactly those records', async (t) => {
    const service = await startService(t);
    const inputs = await tempDir(t);
    await cp(SAMPLES, inputs, { recursive: true });
    const { out, manifest } = await build(t, inputs, 50_000_000);
    assert.equal((await upload(service, out)).code, 0);

    await writeFile(join(out, 'upload-state.json'), '{}');
    const same = await upload(service, out);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, new RegExp(`total\\s+0\\s+0\\s+${manifest.counts.written}\\s+0`));

    const companies = join(inputs, 'companies.csv');
    const text = await readFile(companies, 'utf8');
    await writeFile(companies, text.replace('Acme Holdings', 'Acme Holdings Group').replace('Umbrella Supplies', 'Umbrella Supply Co'));
    await build(t, inputs, 50_000_000, out);
    const edited = await upload(service, out);
    assert.equal(edited.code, 0, edited.stderr);
    assert.match(edited.stdout, /Company\s+0\s+2\s+3\s+0/);
    assert.match(edited.stdout, new RegExp(`total\\s+0\\s+2\\s+${manifest.counts.written - 2}\\s+0`));
    const names = (await service.records('Company')).map((r: any) => r.data.companyName);
    assert.ok(names.includes('Acme Holdings Group') && names.includes('Umbrella Supply Co'));
  });

  it('asks the service before re-sending when the connection dropped after the body was sent', async (t) => {
    const service = await startService(t, ['--fail-rate', '0.5', '--status', 'drop']);
    const { out, manifest } = await build(t);
    assert.equal((await service.get('api/v1/Sync/query')).status, 200);
    const result = await upload(service, out, ['--retries', '10']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /after the body was sent; checking whether the server has it/);
    await assertExactlyOnce(service, manifest);
  });

  for (const status of ['500', '429']) {
    it(`ends in exactly-once results through injected ${status} faults`, async (t) => {
      // 429 carries Retry-After: 1 s, so that run uses fewer batches to stay quick.
      const service = await startService(t, ['--fail-rate', status === '500' ? '0.3' : '0.5', '--status', status]);
      const { out, manifest } = await build(t, SAMPLES, status === '500' ? 1500 : 50_000_000);
      // Faults fall on every n-th request; using up the first puts one on the first upload.
      assert.equal((await service.get('api/v1/Sync/query')).status, 200);
      // The 500 run also sends the key as a bearer token.
      const result = await upload(service, out, ['--retries', '10', ...(status === '500' ? ['--auth', 'bearer'] : [])]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, new RegExp(`HTTP ${status}`));
      await assertExactlyOnce(service, manifest);
      await assertKeyNowhere(out, result.stdout, result.stderr);
    });
  }

  it('resumes a killed upload without sending any batch twice', async (t) => {
    const service = await startService(t, ['--latency', '60']);
    const { out, manifest } = await build(t);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'sagesync.js'), 'upload', out, '--base-url', service.url, ...FAST], {
      env: { ...process.env, ...ENV },
      stdio: 'ignore',
    });
    const statePath = join(out, 'upload-state.json');
    // Kill once a later batch is in flight: some batches done, one possibly unacknowledged.
    for (let i = 0; i < 400; i++) {
      const state = existsSync(statePath) ? JSON.parse(await readFile(statePath, 'utf8').catch(() => '{}')) : {};
      const batches = Object.values<any>(state.batches ?? {});
      if (batches.filter((b) => b.status === 'succeeded').length >= 2 && batches.some((b) => b.status === 'sending' || b.status === 'submitted')) break;
      await sleep(10);
    }
    child.kill('SIGKILL');
    await once(child, 'exit');
    const before = (await service.syncs()).length;
    assert.ok(before < manifest.batches.length, 'killed before the end');
    const resumed = await upload(service, out);
    assert.equal(resumed.code, 0, resumed.stderr);
    await assertExactlyOnce(service, manifest);
  });

  it('gives up following a slow sync at --timeout, and a re-run follows it to the end without re-sending', async (t) => {
    const service = await startService(t, ['--processing-delay', '3000']);
    const { out, manifest } = await build(t, SAMPLES, 50_000_000);
    assert.equal(manifest.batches.length, 1);
    const first = await upload(service, out, ['--timeout', '1']);
    assert.equal(first.code, 1);
    assert.match(first.stderr, /batch-0001\.zip: timed-out: still In Progress after --timeout/);
    assert.ok(!existsSync(join(out, 'results', 'batch-0001.json')));
    const resumed = await upload(service, out);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.ok(existsSync(join(out, 'results', 'batch-0001.json')));
    await assertExactlyOnce(service, manifest);
  });

  it('stops at a 413 without retrying and says which batch and what to rebuild with (key read from a file)', async (t) => {
    const service = await startService(t, ['--max-upload-bytes', '1KB']);
    const { out } = await build(t, SAMPLES, 50_000_000);
    const keyFile = join(await tempDir(t), 'key');
    await writeFile(keyFile, `${API_KEY}\n`);
    const result = await runCli(['upload', out, '--base-url', service.url, '--api-key-file', keyFile, ...FAST], { env: { SAGE_API_KEY: '' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /batch-0001\.zip \(\d+ bytes\) is too large.*--max-batch-bytes \d+KiB/);
    assert.equal((await service.syncs()).length, 0);
    const state = JSON.parse(await readFile(join(out, 'upload-state.json'), 'utf8'));
    assert.deepEqual([state.batches['batch-0001.zip'].attempts, state.batches['batch-0001.zip'].status], [1, 'failed']);
    await assertKeyNowhere(out, result.stdout, result.stderr);
  });

  it('reports a batch the service failed and does not send the batches that depend on it', async (t) => {
    const service = await startService(t, ['--max-entries', '1']);
    const { out, manifest } = await build(t);
    const result = await upload(service, out);
    assert.equal(result.code, 1);
    const multi = manifest.batches.findIndex((b: any) => b.entries.length > 1);
    assert.match(result.stderr, new RegExp(`${manifest.batches[multi].file}: failed: Failed: the ZIP holds`));
    assert.match(result.stderr, /blocked: not sent/);
  });

  it('prints the plan with --dry-run and sends nothing', async (t) => {
    const { out, manifest } = await build(t);
    const result = await runCli(['upload', out, '--dry-run', '--env', 'production']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').length, manifest.batches.length);
    assert.match(result.stdout, /POST https:\/\/api\.network\.sage\.com\/api\/v1\/Sync\/zip\?isFullSync=false&currentBatch=1&totalBatches=/);
    assert.ok(!existsSync(join(out, 'upload-state.json')));
  });

  it('exits 2 without a credential or a manifest', async (t) => {
    const { out } = await build(t);
    const noKey = await runCli(['upload', out], { env: { SAGE_API_KEY: '' } });
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /SAGE_API_KEY/);
    const empty = await tempDir(t);
    assert.equal((await runCli(['upload', empty], { env: ENV })).code, 2);
  });
});
