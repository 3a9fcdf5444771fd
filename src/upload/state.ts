// upload-state.json: what an upload has done so far, beside the manifest.
// Written atomically after every change, so a killed run leaves either the
// previous or the next state, and a re-run knows which batches succeeded,
// which are in flight and which may have reached the server unacknowledged.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Manifest } from '../pipeline/manifest.js';
import { writeFileAtomic } from '../util/atomic.js';

export const STATE_FILE = 'upload-state.json';

/**
 * pending: never sent. sending: a body may have been sent without an answer,
 * so the server is asked before sending again. submitted: accepted, being
 * followed. succeeded / failed: terminal.
 */
export type BatchStatus = 'pending' | 'sending' | 'submitted' | 'succeeded' | 'failed';

export interface BatchState {
  status: BatchStatus;
  syncRequestId?: string;
  /** When the last attempt started sending, for finding it among recent syncs. */
  sentAt?: string;
  attempts: number;
  statusCode?: string;
  message?: string;
}

export interface UploadState {
  format: 'sagesync-upload-state';
  version: 1;
  /** Identifies the build (batch files and hashes, sync flags) the progress belongs to. */
  build: string;
  baseUrl: string;
  parentSyncRequestId: string | null;
  batches: Record<string, BatchState>;
}

export function buildDigest(manifest: Manifest): string {
  const identity = { batches: manifest.batches.map((b) => [b.file, b.sha256]), isFullSync: manifest.isFullSync, appEnrollmentId: manifest.appEnrollmentId };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

export function freshState(manifest: Manifest, baseUrl: string): UploadState {
  return {
    format: 'sagesync-upload-state',
    version: 1,
    build: buildDigest(manifest),
    baseUrl,
    parentSyncRequestId: null,
    batches: Object.fromEntries(manifest.batches.map((b) => [b.file, { status: 'pending', attempts: 0 }])),
  };
}

/** The saved state if it belongs to this build and server; otherwise undefined. */
export async function loadState(path: string, manifest: Manifest, baseUrl: string): Promise<UploadState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const state = JSON.parse(text) as UploadState;
  if (state.format !== 'sagesync-upload-state' || state.build !== buildDigest(manifest) || state.baseUrl !== baseUrl) return undefined;
  return state;
}

/** Saves states in call order; each save replaces the file atomically. */
export class StateWriter {
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly path: string, readonly state: UploadState) {}

  save(): Promise<void> {
    const text = JSON.stringify(this.state, null, 2) + '\n';
    // One failed write must not stop every later one.
    this.last = this.last.catch(() => undefined).then(() => writeFileAtomic(this.path, text));
    return this.last;
  }
}
