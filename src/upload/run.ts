// The upload: send each batch of a build, follow each sync to its end, save
// what the server made of it, and record progress so that a re-run neither
// repeats a batch the server already has nor loses one in flight.

import { mkdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { UsageError } from '../errors.js';
import { MANIFEST_FILE, type Manifest } from '../pipeline/manifest.js';
import type { BatchInfo } from '../sinks/types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { backoffDelay } from './backoff.js';
import { ApiError, SageClient, TERMINAL_STATUSES, type Credentials, type RetryPolicy, type SyncParameters, type SyncView } from './client.js';
import { batchDependencies } from './order.js';
import { freshState, loadState, StateWriter, STATE_FILE, type BatchState } from './state.js';

export interface UploadOptions {
  outDir: string;
  baseUrl: string;
  credentials: Credentials;
  concurrency: number;
  /** How long to follow one sync before giving up for this run. */
  timeoutMs: number;
  pollIntervalMs: number;
  policy: RetryPolicy;
  dryRun?: boolean;
  log: (line: string) => void;
}

export interface ModelTotals {
  insert: number;
  update: number;
  skip: number;
  error: number;
}

export interface BatchOutcome {
  file: string;
  status: 'succeeded' | 'failed' | 'timed-out' | 'blocked' | 'planned';
  syncRequestId?: string;
  message?: string;
  resultsFile?: string;
}

export interface UploadResult {
  batches: BatchOutcome[];
  byModel: Record<string, ModelTotals>;
  stateFile: string;
}

/** How far back, before our own send time, a server's "created" may lie: clocks differ. */
const CLOCK_SKEW_MS = 5 * 60_000;
const MAX_POLL_INTERVAL_MS = 15_000;

export const RESULTS_DIR = 'results';

export async function readManifest(outDir: string): Promise<Manifest> {
  const path = join(outDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`${path} not found; run "sagesync build" first`);
  }
  const manifest = JSON.parse(text) as Manifest;
  if (manifest.format !== 'sagesync-manifest' || !Array.isArray(manifest.batches)) throw new UsageError(`${path} is not a sagesync manifest`);
  return manifest;
}

export function syncParameters(manifest: Manifest, index: number, parentSyncRequestId: string | null): SyncParameters {
  return {
    isFullSync: manifest.isFullSync,
    appEnrollmentId: manifest.appEnrollmentId,
    parentSyncRequestId,
    currentBatch: index + 1,
    totalBatches: manifest.batches.length,
  };
}

/** Per-model counts from a details object. Its shape is undocumented (spec §1), so anything unexpected counts as zero. */
export function totalsOf(details: unknown): Record<string, ModelTotals> {
  const totals: Record<string, ModelTotals> = {};
  if (typeof details !== 'object' || details === null) return totals;
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  for (const [model, result] of Object.entries(details)) {
    if (typeof result !== 'object' || result === null) continue;
    const r = result as Record<string, unknown>;
    totals[model] = { insert: count(r.insertCount), update: count(r.updateCount), skip: count(r.skipCount), error: count(r.errorCount) };
  }
  return totals;
}

function addTotals(into: Record<string, ModelTotals>, from: Record<string, ModelTotals>): void {
  for (const [model, t] of Object.entries(from)) {
    const sum = (into[model] ??= { insert: 0, update: 0, skip: 0, error: 0 });
    sum.insert += t.insert;
    sum.update += t.update;
    sum.skip += t.skip;
    sum.error += t.error;
  }
}

function resultsFileOf(outDir: string, batch: BatchInfo): string {
  return join(outDir, RESULTS_DIR, `${basename(batch.file, extname(batch.file))}.json`);
}

/** A --max-batch-bytes that a server refusing this batch is likely to take: half its size, never under the 1KiB that build accepts. */
export function smallerBatchBytes(bytes: number): string {
  const half = bytes / 2;
  return half >= 1_000_000 ? `${Math.floor(half / 1_000_000)}MB` : `${Math.max(1, Math.floor(half / 1024))}KiB`;
}

export async function runUpload(options: UploadOptions): Promise<UploadResult> {
  const { outDir, log } = options;
  const manifest = await readManifest(outDir);
  const stateFile = join(outDir, STATE_FILE);
  const saved = await loadState(stateFile, manifest, options.baseUrl);
  const state = saved ?? freshState(manifest, options.baseUrl);
  const dependencies = batchDependencies(manifest.batches);
  const client = new SageClient(options.baseUrl, options.credentials, options.policy, log);

  if (options.dryRun) {
    const batches = manifest.batches.map((batch, i): BatchOutcome => {
      const endpoint = batch.file.endsWith('.json') ? 'api/v1/Sync/batch' : 'api/v1/Sync/zip';
      const params = syncParameters(manifest, i, i > 0 ? (state.parentSyncRequestId ?? '<id of batch 1>') : null);
      const query = Object.entries(params).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`).join('&');
      const waits = dependencies[i].map((d) => manifest.batches[d].file).join(', ') || '-';
      const done = state.batches[batch.file]?.status === 'succeeded' ? ' (already succeeded: skipped)' : '';
      log(`${batch.file}  ${batch.bytes} bytes  ${batch.records} records  POST ${new URL(endpoint, options.baseUrl).href}?${query}  waits for: ${waits}${done}`);
      return { file: batch.file, status: 'planned' };
    });
    return { batches, byModel: {}, stateFile };
  }

  const writer = new StateWriter(stateFile, state);
  await writer.save();
  await mkdir(join(outDir, RESULTS_DIR), { recursive: true });
  const byModel: Record<string, ModelTotals> = {};

  // Batches 2..n name batch 1's sync as their parent (spec §1: one logical load in several ZIPs).
  let announceParent: (id: string | null) => void = () => undefined;
  const parentId: Promise<string | null> = state.parentSyncRequestId !== null || manifest.batches.length < 2
    ? Promise.resolve(state.parentSyncRequestId)
    : new Promise((resolve) => (announceParent = resolve));

  async function follow(batch: BatchInfo, st: BatchState): Promise<BatchOutcome> {
    const id = st.syncRequestId!;
    const deadline = Date.now() + options.timeoutMs;
    let interval = options.pollIntervalMs;
    let sync: SyncView;
    for (;;) {
      try {
        sync = await client.getSync(id);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        // Still "submitted" in the state: a re-run asks again rather than re-sending.
        return { file: batch.file, status: 'failed', syncRequestId: id, message: `following sync ${id}: ${error.message}` };
      }
      if (st.statusCode !== sync.statusCode) log(`${batch.file}: ${sync.statusCode}`);
      st.statusCode = sync.statusCode;
      if (TERMINAL_STATUSES.has(sync.statusCode)) break;
      if (Date.now() + interval > deadline) {
        await writer.save();
        return { file: batch.file, status: 'timed-out', syncRequestId: id, message: `still ${sync.statusCode} after --timeout; run again to resume following it` };
      }
      await sleep(interval);
      interval = Math.min(MAX_POLL_INTERVAL_MS, Math.round(interval * 1.5));
    }
    const resultsFile = resultsFileOf(outDir, batch);
    const record = { batch: batch.file, syncRequestId: id, statusCode: sync.statusCode, processResultMessage: sync.processResultMessage ?? null, details: sync.details ?? null };
    await writeFileAtomic(resultsFile, client.redact(JSON.stringify(record, null, 2)) + '\n');
    addTotals(byModel, totalsOf(sync.details));
    const ok = sync.statusCode === 'Success';
    st.status = ok ? 'succeeded' : 'failed';
    st.message = sync.processResultMessage ?? undefined;
    await writer.save();
    return { file: batch.file, status: ok ? 'succeeded' : 'failed', syncRequestId: id, resultsFile, message: ok ? undefined : `${sync.statusCode}: ${sync.processResultMessage ?? 'no message'}` };
  }

  /** The sync an unacknowledged send created, if the server has one (the oldest, should there be two). */
  async function findSent(index: number, st: BatchState, parent: string | null): Promise<SyncView | undefined> {
    const since = new Date(Date.parse(st.sentAt ?? new Date(0).toISOString()) - CLOCK_SKEW_MS).toISOString();
    const params = syncParameters(manifest, index, parent);
    const terms = [`created ge '${since}'`, `currentBatch eq ${params.currentBatch}`, `totalBatches eq ${params.totalBatches}`,
      `parentSyncRequestId eq ${parent ?? 'null'}`, `appEnrollmentId eq ${params.appEnrollmentId ?? 'null'}`];
    const found = await client.querySyncs(terms.join(' and '));
    return found.at(-1);
  }

  function fail(batch: BatchInfo, st: BatchState, message: string): BatchOutcome {
    // A send that may have arrived stays "sending", so the next run asks the server before sending again.
    if (st.status !== 'sending') st.status = 'failed';
    st.message = message;
    return { file: batch.file, status: 'failed', message };
  }

  async function adopt(batch: BatchInfo, index: number, st: BatchState, sync: SyncView): Promise<BatchOutcome> {
    st.status = 'submitted';
    st.syncRequestId = sync.syncRequestId;
    if (index === 0 && manifest.batches.length > 1) {
      state.parentSyncRequestId = sync.syncRequestId;
      announceParent(sync.syncRequestId);
    }
    await writer.save();
    log(`${batch.file}: sent as sync ${sync.syncRequestId}`);
    return follow(batch, st);
  }

  async function send(batch: BatchInfo, index: number): Promise<BatchOutcome> {
    const st = state.batches[batch.file];
    const parent = index > 0 ? await parentId : null;
    if (index > 0 && manifest.batches.length > 1 && parent === null) return fail(batch, st, 'batch 1 was not accepted, so this batch has no parent sync');
    if (st.status === 'sending') {
      const found = await findSent(index, st, parent);
      if (found) return adopt(batch, index, st, found);
    }
    for (let attempt = 0; ; attempt++) {
      st.status = 'sending';
      st.sentAt = new Date().toISOString();
      st.attempts++;
      await writer.save();
      const outcome = await client.submit(join(outDir, batch.file), batch.bytes, syncParameters(manifest, index, parent));
      if (outcome.kind === 'accepted') return adopt(batch, index, st, outcome.sync);
      if (outcome.kind === 'rejected') {
        st.status = 'pending';
        const hint = outcome.status === 413 ? `; ${batch.file} (${batch.bytes} bytes) is too large for the server: rebuild with --max-batch-bytes ${smallerBatchBytes(batch.bytes)}` : '';
        return fail(batch, st, `${outcome.reason}${hint}`);
      }
      if (outcome.kind === 'ambiguous') {
        log(`${batch.file}: ${outcome.reason}; checking whether the server has it`);
        const found = await findSent(index, st, parent);
        if (found) return adopt(batch, index, st, found);
      } else {
        st.status = 'pending';
      }
      if (attempt >= options.policy.retries) return fail(batch, st, `${outcome.reason} (gave up after ${attempt + 1} attempts)`);
      const delay = (outcome.kind === 'retry' ? outcome.delayMs : undefined) ?? backoffDelay(attempt, options.policy.baseDelayMs, options.policy.maxDelayMs);
      log(`${batch.file}: ${outcome.reason}; retrying in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay);
    }
  }

  async function runBatch(batch: BatchInfo, index: number): Promise<BatchOutcome> {
    const st = state.batches[batch.file];
    if (st.status === 'succeeded') {
      const resultsFile = resultsFileOf(outDir, batch);
      try {
        addTotals(byModel, totalsOf((JSON.parse(await readFile(resultsFile, 'utf8')) as { details?: unknown }).details));
      } catch {
        // results removed since: the batch still succeeded, only its counts are missing from the table
      }
      log(`${batch.file}: already succeeded as sync ${st.syncRequestId}; skipped`);
      return { file: batch.file, status: 'succeeded', syncRequestId: st.syncRequestId, resultsFile };
    }
    let outcome: BatchOutcome;
    try {
      outcome = st.status === 'submitted' ? await follow(batch, st) : await send(batch, index);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      outcome = fail(batch, st, error.message);
    }
    if (index === 0 && outcome.status !== 'succeeded' && state.parentSyncRequestId === null) announceParent(null);
    await writer.save();
    return outcome;
  }

  const limit = pLimit(options.concurrency);
  const outcomes: Promise<BatchOutcome>[] = [];
  manifest.batches.forEach((batch, index) => {
    outcomes.push((async () => {
      const waited = await Promise.all(dependencies[index].map((d) => outcomes[d]));
      const blocker = waited.find((o) => o.status !== 'succeeded');
      if (blocker) return { file: batch.file, status: 'blocked', message: `not sent: ${blocker.file}, which holds parents of its records, did not succeed` } satisfies BatchOutcome;
      return limit(() => runBatch(batch, index));
    })());
  });
  const batches = await Promise.all(outcomes);
  await writer.save();
  return { batches, byModel, stateFile };
}
