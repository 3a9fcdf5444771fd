import type { BatchInfo } from '../sinks/types.js';
import { INVARIANT, type Counts } from './counts.js';
import type { InputSummary } from './build.js';

export const MANIFEST_FILE = 'manifest.json';

/** manifest.json: what a build produced, in upload order, and how every record was accounted for. */
export interface Manifest {
  format: 'sagesync-manifest';
  version: 1;
  createdAt: string;
  isFullSync: boolean;
  /** Delta window start (--since/--window), or null when every record counts. */
  since: string | null;
  appEnrollmentId: string | null;
  entryFormat: string;
  limits: { maxBatchBytes: number; maxBatchRecords: number };
  batches: BatchInfo[];
  /** The accounting `counts` satisfies, per model and in total. */
  invariant: typeof INVARIANT;
  counts: Counts;
  inputs: InputSummary[];
  rejects: string;
  /** Orphans written with a warning (--orphans warn), or null under another policy. */
  orphanWarnings: string | null;
  warnings: string[];
}

export function buildManifest(parts: {
  batches: BatchInfo[];
  counts: Counts;
  inputs: InputSummary[];
  warnings: string[];
  isFullSync: boolean;
  since: string | null;
  warningsFile: string | null;
  appEnrollmentId: string | null;
  entryFormat: string;
  limits: Manifest['limits'];
}): Manifest {
  return {
    format: 'sagesync-manifest',
    version: 1,
    createdAt: new Date().toISOString(),
    isFullSync: parts.isFullSync,
    since: parts.since,
    appEnrollmentId: parts.appEnrollmentId,
    entryFormat: parts.entryFormat,
    limits: parts.limits,
    batches: parts.batches,
    invariant: INVARIANT,
    counts: parts.counts,
    inputs: parts.inputs,
    rejects: 'rejects.csv',
    orphanWarnings: parts.warningsFile,
    warnings: parts.warnings,
  };
}
