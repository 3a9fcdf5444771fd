import type { BatchInfo } from '../sinks/types.js';
import type { Counts } from './counts.js';
import type { InputSummary } from './build.js';

export const MANIFEST_FILE = 'manifest.json';

/** manifest.json: what a build produced, in upload order, and how every record was accounted for. */
export interface Manifest {
  format: 'sagesync-manifest';
  version: 1;
  createdAt: string;
  isFullSync: boolean;
  appEnrollmentId: string | null;
  entryFormat: string;
  limits: { maxBatchBytes: number; maxBatchRecords: number };
  batches: BatchInfo[];
  counts: Counts;
  inputs: InputSummary[];
  rejects: string;
  warnings: string[];
}

export function buildManifest(parts: {
  batches: BatchInfo[];
  counts: Counts;
  inputs: InputSummary[];
  warnings: string[];
  isFullSync: boolean;
  appEnrollmentId: string | null;
  entryFormat: string;
  limits: Manifest['limits'];
}): Manifest {
  return {
    format: 'sagesync-manifest',
    version: 1,
    createdAt: new Date().toISOString(),
    isFullSync: parts.isFullSync,
    appEnrollmentId: parts.appEnrollmentId,
    entryFormat: parts.entryFormat,
    limits: parts.limits,
    batches: parts.batches,
    counts: parts.counts,
    inputs: parts.inputs,
    rejects: 'rejects.csv',
    warnings: parts.warnings,
  };
}
