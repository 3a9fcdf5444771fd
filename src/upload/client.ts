// The Sage Network sync endpoints as sagesync uses them (spec §1). Reads are
// retried here; a submission is tried once per call and its outcome
// classified, because whether it may be repeated depends on what the caller
// learns from the server first.

import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, retryAfterMs } from './backoff.js';
import { NetworkError, sendHttp, type BodyPart, type HttpResponse } from './http.js';

export const BASE_URLS = {
  sandbox: 'https://api-sbx.network.sage.com/',
  production: 'https://api.network.sage.com/',
} as const;

export interface Credentials {
  secret: string;
  /** Api-Key header (an API key) or Authorization: Bearer (a JWT). */
  scheme: 'api-key' | 'bearer';
}

export interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The SyncRequestModel fields the client reads. */
export interface SyncView {
  syncRequestId: string;
  statusCode: string;
  processResultMessage?: string | null;
  created?: string;
  details?: unknown;
}

export interface SyncParameters {
  isFullSync: boolean;
  appEnrollmentId: string | null;
  parentSyncRequestId: string | null;
  currentBatch: number;
  totalBatches: number;
}

export type SubmitOutcome =
  | { kind: 'accepted'; sync: SyncView }
  /** Not acted on by the server: safe to send again after the delay. */
  | { kind: 'retry'; delayMs?: number; reason: string }
  /** May or may not have been acted on: find out before sending again. */
  | { kind: 'ambiguous'; reason: string }
  | { kind: 'rejected'; status: number; reason: string };

export class ApiError extends Error {
  constructor(message: string, readonly status: number | undefined) {
    super(message);
  }
}

export const TERMINAL_STATUSES = new Set(['Success', 'Failed', 'Cancelled']);

function parseSync(text: string): SyncView | undefined {
  try {
    const sync = JSON.parse(text) as SyncView;
    return typeof sync?.syncRequestId === 'string' ? sync : undefined;
  } catch {
    return undefined;
  }
}

export class SageClient {
  constructor(
    private readonly baseUrl: string,
    private readonly credentials: Credentials,
    readonly policy: RetryPolicy,
    private readonly log: (line: string) => void,
  ) {}

  /** Removes the secret from any text that leaves the client (a server might echo it back). */
  redact(text: string): string {
    return text.split(this.credentials.secret).join('[redacted]');
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const auth: Record<string, string> = this.credentials.scheme === 'bearer' ? { authorization: `Bearer ${this.credentials.secret}` } : { 'api-key': this.credentials.secret };
    return { accept: 'application/json', 'user-agent': 'sagesync', ...auth, ...extra };
  }

  private url(path: string, query: Record<string, string | number | boolean | null> = {}): URL {
    const url = new URL(path, this.baseUrl);
    for (const [name, value] of Object.entries(query)) if (value !== null) url.searchParams.set(name, String(value));
    return url;
  }

  private describe(response: HttpResponse): string {
    let detail = response.text.slice(0, 500);
    try {
      const problem = JSON.parse(response.text) as { title?: string; errors?: Record<string, string[]> };
      detail = [problem.title, ...Object.entries(problem.errors ?? {}).map(([k, v]) => `${k}: ${v.join(', ')}`)].filter(Boolean).join('; ');
    } catch {
      // not a problem document; the start of the body says enough
    }
    return this.redact(`HTTP ${response.status}${detail ? `: ${detail}` : ''}`);
  }

  /** One attempt at POST /api/v1/Sync/zip (or /batch for a .json batch), the file streamed from disk. */
  async submit(file: string, size: number, params: SyncParameters): Promise<SubmitOutcome> {
    const json = file.endsWith('.json');
    const url = this.url(json ? 'api/v1/Sync/batch' : 'api/v1/Sync/zip', { ...params });
    let headers: Record<string, string>;
    let parts: BodyPart[];
    if (json) {
      headers = this.headers({ 'content-type': 'application/json' });
      parts = [{ file, size }];
    } else {
      const boundary = `sagesync-${randomBytes(12).toString('hex')}`;
      headers = this.headers({ 'content-type': `multipart/form-data; boundary=${boundary}` });
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${basename(file)}"\r\nContent-Type: application/zip\r\n\r\n`;
      parts = [{ bytes: Buffer.from(head) }, { file, size }, { bytes: Buffer.from(`\r\n--${boundary}--\r\n`) }];
    }
    let response: HttpResponse;
    try {
      response = await sendHttp(url, 'POST', headers, parts);
    } catch (error) {
      const reason = this.redact((error as Error).message);
      if (error instanceof NetworkError && !error.bodySent) return { kind: 'retry', reason };
      return { kind: 'ambiguous', reason: `${reason} after the body was sent` };
    }
    if (response.status >= 200 && response.status < 300) {
      const sync = parseSync(response.text);
      // Accepted, but without an id to follow: only the server's list of syncs can say which one it made.
      return sync ? { kind: 'accepted', sync } : { kind: 'ambiguous', reason: `HTTP ${response.status} without a SyncRequestModel` };
    }
    const reason = this.describe(response);
    if (response.status === 429 || response.status === 503) return { kind: 'retry', delayMs: retryAfterMs(response.headers['retry-after']), reason };
    // Any other 5xx may have come after the server stored the upload.
    if (response.status >= 500) return { kind: 'ambiguous', reason };
    return { kind: 'rejected', status: response.status, reason };
  }

  /** A GET that is safe to repeat: retried on network errors, 429 and 5xx. */
  private async read<T>(url: URL): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let wait: number | undefined;
      let reason: string;
      try {
        const response = await sendHttp(url, 'GET', this.headers());
        if (response.status >= 200 && response.status < 300) return JSON.parse(response.text) as T;
        reason = this.describe(response);
        if (response.status !== 429 && response.status < 500) throw new ApiError(reason, response.status);
        wait = retryAfterMs(response.headers['retry-after']);
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        reason = this.redact(error.message);
      }
      if (attempt >= this.policy.retries) throw new ApiError(`${reason} (gave up after ${attempt + 1} attempts)`, undefined);
      const delay = wait ?? backoffDelay(attempt, this.policy.baseDelayMs, this.policy.maxDelayMs);
      this.log(`GET ${url.pathname}: ${reason}; retrying in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay);
    }
  }

  getSync(id: string): Promise<SyncView> {
    return this.read(this.url(`api/v1/Sync/${encodeURIComponent(id)}`, { include: 'Details' }));
  }

  /** Recent sync requests matching a filter, newest first. */
  async querySyncs(filter: string): Promise<SyncView[]> {
    const page = await this.read<{ records?: SyncView[] }>(this.url('api/v1/Sync/query', { filter, order: 'created desc', pageSize: 50 }));
    return page.records ?? [];
  }
}
