// The local Sage Network sync service: the upload (ZIP), batch (JSON),
// retrieve and query endpoints of spec §1 over SQLite, on loopback. Uploads
// stream to a temporary file (the ZIP central directory sits at the end, so
// reading needs the whole file) and are merged by one background job at a
// time, so records see one writer and memory stays bounded.

import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { modelForName } from '../schema/index.js';
import { parseExactJson } from '../sources/json-number.js';
import { ingestBatch, ingestZip, IngestError, type Details, type ZipGuards } from './ingest.js';
import { boundaryOf, MultipartError, MultipartScanner } from './multipart.js';
import { parseFilter, parseOrder, QueryError } from './query.js';
import { SyncStore, type SyncRequest } from './store.js';

export const DEFAULT_PORT = 5850;

export interface Faults {
  /** Share of API requests answered with `status` instead (0-1), spread evenly so runs repeat. */
  failRate: number;
  /** drop: close the connection without an answer; an upload is accepted first, as when a connection dies on the way back. */
  status: 429 | 500 | 'drop';
  /** Delay before every API request is handled, in ms. */
  latencyMs: number;
  /** Time a sync stays "In Progress" before it is processed, in ms: a slow server, for clients that follow syncs. */
  processingDelayMs: number;
}

export interface ServeOptions {
  port: number;
  apiKey: string;
  db?: string;
  maxUploadBytes: number;
  guards: ZipGuards;
  faults: Faults;
}

export interface RunningService {
  url: string;
  port: number;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TERMINAL = new Set(['Success', 'Failed', 'Cancelled']);

class HttpProblem extends Error {
  constructor(readonly status: number, readonly title: string, readonly errors?: Record<string, string[]>) {
    super(title);
  }
}

type Job = { sync: SyncRequest; run: () => Promise<Details> | Details; cleanup?: () => Promise<void> };

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendProblem(res: ServerResponse, problem: HttpProblem, headers: Record<string, string> = {}): void {
  sendJson(res, problem.status, { type: 'about:blank', title: problem.title, status: problem.status, ...(problem.errors ? { errors: problem.errors } : {}) }, headers);
}

/** Reads the rest of a request and throws it away, so the client sees the response rather than a reset. */
async function drain(req: IncomingMessage): Promise<void> {
  req.resume();
  if (!req.complete) await once(req, 'end').catch(() => undefined);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class SyncService {
  private readonly store: SyncStore;
  private readonly groupKey = randomUUID();
  private readonly userId = randomUUID();
  private readonly keyDigest: Buffer;
  private readonly queue: Job[] = [];
  private working: Promise<void> | undefined;
  private apiRequests = 0;
  private uploadDir: string | undefined;

  constructor(private readonly options: ServeOptions) {
    this.store = new SyncStore(options.db);
    // Uploads waiting in an earlier process's queue are gone with it; say so rather than leave them running forever.
    for (const sync of this.store.allSyncs()) {
      if (TERMINAL.has(sync.statusCode)) continue;
      sync.statusCode = 'Failed';
      sync.failureCount++;
      sync.details = {};
      sync.processResultMessage = 'the service stopped before this sync was processed; upload it again';
      sync.modified = new Date().toISOString();
      this.store.saveSync(sync);
    }
    // Compared as digests so the comparison takes the same time whatever the length.
    this.keyDigest = digest(options.apiKey);
  }

  async listen(): Promise<RunningService> {
    this.uploadDir = await mkdtemp(join(tmpdir(), 'sagesync-serve-'));
    const server: Server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        const problem = error instanceof HttpProblem ? error : new HttpProblem(500, 'internal error');
        if (!(error instanceof HttpProblem)) console.error(`serve: ${(error as Error).stack ?? error}`);
        if (!res.headersSent) sendProblem(res, problem, { connection: 'close' });
        else res.destroy();
      });
    });
    server.listen(this.options.port, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/`,
      port,
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await this.working;
        this.store.close();
        await rm(this.uploadDir!, { recursive: true, force: true });
      },
    };
  }

  private authorized(req: IncomingMessage): boolean {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    // Spec §1.1: Api-Key is documented; ApiKey/APIKey are seen from other clients (header names arrive lower-cased).
    const key = bearer ?? req.headers['api-key'] ?? req.headers['apikey'];
    return typeof key === 'string' && timingSafeEqual(digest(key), this.keyDigest);
  }

  /** True when this API request is one the fault plan fails: floor(n * rate) steps up. */
  private injectFault(): boolean {
    const n = this.apiRequests++;
    const rate = this.options.faults.failRate;
    return rate > 0 && Math.floor((n + 1) * rate) > Math.floor(n * rate);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '').toLowerCase();
    if (!this.authorized(req)) {
      await drain(req);
      throw new HttpProblem(401, 'a valid Api-Key header or bearer token is required');
    }
    if (this.options.faults.latencyMs > 0) await sleep(this.options.faults.latencyMs);
    const method = req.method ?? 'GET';
    const upload = method === 'POST' && (path === '/api/v1/sync/zip' || path === '/api/v1/sync/batch');
    const { status } = this.options.faults;
    const fault = path.startsWith('/api/v1/') && this.injectFault();
    if (fault && !(status === 'drop' && upload)) {
      await drain(req);
      if (status === 'drop') return void res.destroy();
      return sendProblem(res, new HttpProblem(status, status === 429 ? 'too many requests (injected)' : 'server error (injected)'), status === 429 ? { 'retry-after': '1' } : {});
    }
    if (path === '/api/v1/sync/zip' && upload) return this.uploadZip(req, res, url, fault);
    if (upload) return this.uploadBatch(req, res, url, fault);
    if (method === 'GET' && path === '/api/v1/sync/query') return this.query(res, url);
    const retrieve = /^\/api\/v1\/sync\/([^/]+)$/.exec(path);
    if (method === 'GET' && retrieve) return this.retrieve(res, retrieve[1], url);
    const records = /^\/records\/([^/]+)$/.exec(url.pathname);
    if (method === 'GET' && records) return this.exportRecords(res, decodeURIComponent(records[1]));
    await drain(req);
    throw new HttpProblem(404, `no endpoint ${method} ${url.pathname}`);
  }

  private syncParameters(url: URL): Pick<SyncRequest, 'appEnrollmentId' | 'runFullSync' | 'parentSyncRequestId' | 'currentBatch' | 'totalBatches'> {
    const q = (name: string) => {
      const key = [...url.searchParams.keys()].find((k) => k.toLowerCase() === name.toLowerCase());
      const value = key === undefined ? null : url.searchParams.get(key);
      return value === '' ? null : value;
    };
    const errors: Record<string, string[]> = {};
    const uuid = (name: string) => {
      const v = q(name);
      if (v !== null && !UUID.test(v)) errors[name] = [`"${v}" is not a UUID`];
      return v;
    };
    const int = (name: string) => {
      const v = q(name);
      if (v !== null && !/^\d{1,9}$/.test(v)) errors[name] = [`"${v}" is not a whole number`];
      return v === null ? null : Number(v);
    };
    const full = q('isFullSync');
    if (full !== null && !/^(true|false)$/i.test(full)) errors.isFullSync = [`"${full}" is not true or false`];
    const params = {
      appEnrollmentId: uuid('appEnrollmentId'),
      runFullSync: full?.toLowerCase() === 'true',
      parentSyncRequestId: uuid('parentSyncRequestId'),
      currentBatch: int('currentBatch'),
      totalBatches: int('totalBatches'),
    };
    if (Object.keys(errors).length > 0) throw new HttpProblem(400, 'invalid query parameters', errors);
    return params;
  }

  private newSync(params: ReturnType<SyncService['syncParameters']>): SyncRequest {
    const now = new Date().toISOString();
    return {
      syncRequestId: randomUUID(),
      groupKey: this.groupKey,
      statusCode: 'Ready',
      operationTypeName: 'Write',
      operationType: 1,
      processResultMessage: null,
      failureCount: 0,
      created: now,
      modified: now,
      modifiedUserId: this.userId,
      details: null,
      ...params,
    };
  }

  private tooLarge(): HttpProblem {
    return new HttpProblem(413, `the upload is larger than ${this.options.maxUploadBytes} bytes`);
  }

  private async uploadZip(req: IncomingMessage, res: ServerResponse, url: URL, dropAnswer: boolean): Promise<void> {
    const params = this.syncParameters(url);
    const boundary = boundaryOf(req.headers['content-type']);
    if (!boundary) {
      await drain(req);
      throw new HttpProblem(400, 'expected a multipart/form-data body with one ZIP file part');
    }
    if (Number(req.headers['content-length'] ?? 0) > this.options.maxUploadBytes) {
      await drain(req);
      throw this.tooLarge();
    }
    const file = join(this.uploadDir!, `${randomUUID()}.zip`);
    const out = createWriteStream(file);
    const discard = () => rm(file, { force: true });
    try {
      const scanner = new MultipartScanner(boundary);
      let files = 0;
      let bytes = 0;
      let problem: HttpProblem | undefined;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        // After a problem the rest is read and dropped: a client still sending when the socket closes sees a reset, not the answer.
        if (problem) continue;
        bytes += chunk.length;
        if (bytes > this.options.maxUploadBytes) {
          problem = this.tooLarge();
          continue;
        }
        for (const event of scanner.push(chunk)) {
          if (event.kind === 'file' && ++files > 1) problem = new HttpProblem(400, 'expected exactly one file part');
          if (event.kind === 'data' && files === 1 && !out.write(event.bytes)) await once(out, 'drain');
        }
      }
      if (problem) throw problem;
      scanner.end();
      if (files === 0) throw new HttpProblem(400, 'the form holds no file part');
      out.end();
      await once(out, 'close');
    } catch (error) {
      out.destroy();
      await discard();
      throw error instanceof MultipartError ? new HttpProblem(400, error.message) : error;
    }
    const sync = this.newSync(params);
    this.enqueue(res, { sync, run: () => ingestZip(file, this.store, { id: sync.syncRequestId, scope: sync.appEnrollmentId }, this.options.guards), cleanup: discard }, dropAnswer);
  }

  private async uploadBatch(req: IncomingMessage, res: ServerResponse, url: URL, dropAnswer: boolean): Promise<void> {
    const params = this.syncParameters(url);
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes <= this.options.maxUploadBytes) chunks.push(chunk);
    }
    if (bytes > this.options.maxUploadBytes) throw this.tooLarge();
    let document: unknown;
    try {
      document = parseExactJson(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      throw new HttpProblem(400, `the body is not JSON: ${(error as Error).message}`);
    }
    const sync = this.newSync(params);
    this.enqueue(res, { sync, run: () => ingestBatch(document, this.store, { id: sync.syncRequestId, scope: sync.appEnrollmentId }) }, dropAnswer);
  }

  private enqueue(res: ServerResponse, job: Job, dropAnswer: boolean): void {
    this.store.saveSync(job.sync, true);
    if (dropAnswer) res.destroy();
    else sendJson(res, 200, this.view(job.sync, false));
    this.queue.push(job);
    this.working ??= this.work();
  }

  /** Ready -> In Progress -> Success | Failed, one job at a time. */
  private async work(): Promise<void> {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      const sync = job.sync;
      sync.statusCode = 'In Progress';
      sync.modified = new Date().toISOString();
      this.store.saveSync(sync);
      if (this.options.faults.processingDelayMs > 0) await sleep(this.options.faults.processingDelayMs);
      try {
        sync.details = await job.run();
        sync.statusCode = 'Success';
        const totals = Object.values(sync.details).reduce((t, r) => ({ insert: t.insert + r.insertCount, update: t.update + r.updateCount, skip: t.skip + r.skipCount, error: t.error + r.errorCount }), { insert: 0, update: 0, skip: 0, error: 0 });
        sync.processResultMessage = `${totals.insert} inserted, ${totals.update} updated, ${totals.skip} skipped, ${totals.error} errors`;
      } catch (error) {
        sync.statusCode = 'Failed';
        sync.failureCount++;
        sync.details = {};
        sync.processResultMessage = error instanceof IngestError ? error.message : `processing failed: ${(error as Error).message}`;
      } finally {
        await job.cleanup?.();
      }
      sync.modified = new Date().toISOString();
      this.store.saveSync(sync);
    }
    this.working = undefined;
  }

  /** details only with include=details, and only once terminal (spec §1). */
  private view(sync: SyncRequest, withDetails: boolean): SyncRequest {
    return { ...sync, details: withDetails && TERMINAL.has(sync.statusCode) ? sync.details : null };
  }

  private retrieve(res: ServerResponse, id: string, url: URL): void {
    const sync = UUID.test(id) ? this.store.getSync(id.toLowerCase()) : undefined;
    if (!sync) throw new HttpProblem(404, `no sync request ${id}`);
    sendJson(res, 200, this.view(sync, /\bdetails\b/i.test(url.searchParams.get('include') ?? '')));
  }

  private query(res: ServerResponse, url: URL): void {
    const p = (name: string) => url.searchParams.get(name);
    const pageSize = Number(p('pageSize') ?? 200);
    const pageNumber = Number(p('pageNumber') ?? 0);
    if (!Number.isInteger(pageSize) || pageSize < 1 || !Number.isInteger(pageNumber) || pageNumber < 0) {
      throw new HttpProblem(400, 'pageSize must be 1 or more and pageNumber 0 or more');
    }
    let matching: SyncRequest[];
    try {
      const keep = parseFilter(p('filter'));
      matching = this.store.allSyncs().filter(keep);
      matching.sort(parseOrder(p('order')));
    } catch (error) {
      if (error instanceof QueryError) throw new HttpProblem(400, error.message);
      throw error;
    }
    const withDetails = /\bdetails\b/i.test(p('include') ?? '');
    const records = matching.slice(pageNumber * pageSize, (pageNumber + 1) * pageSize).map((s) => this.view(s, withDetails));
    sendJson(res, 200, { records, totalCount: matching.length, pageSize, pageNumber });
  }

  /** Every stored record of a model as NDJSON, so a user can diff it against their ERP. */
  private async exportRecords(res: ServerResponse, name: string): Promise<void> {
    const model = modelForName(name);
    if (!model) throw new HttpProblem(404, `unknown model ${name}`);
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
    for (const record of this.store.records(model)) {
      if (!res.write(JSON.stringify(record) + '\n')) await once(res, 'drain');
    }
    res.end();
  }
}
