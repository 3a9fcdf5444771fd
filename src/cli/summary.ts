import type { Counts, Tally } from '../pipeline/counts.js';
import type { BuildResult } from '../pipeline/build.js';
import { formatBytes } from '../util/size.js';

const n = (x: number): string => x.toLocaleString('en-US');

/** The per-model table and the accounting line every run ends with. */
export function countsTable(counts: Counts): string {
  // Delta columns appear only when a delta left records out, to keep full builds' tables short.
  const delta = counts.unchanged + counts.outOfWindow > 0;
  const cells = (t: Tally) => [n(t.read), n(t.written), n(t.rejected), ...(delta ? [n(t.unchanged), n(t.outOfWindow)] : [])];
  const rows = Object.entries(counts.byModel).map(([model, t]) => [model, ...cells(t)]);
  rows.push(['total', ...cells(counts)]);
  const head = ['model', 'read', 'written', 'rejected', ...(delta ? ['unchanged', 'outOfWindow'] : [])];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [fmt(head), ...rows.map(fmt)].map((line) => '  ' + line).join('\n');
}

export function accountingLine(counts: Counts): string {
  return `read ${n(counts.read)} = written ${n(counts.written)} + rejected ${n(counts.rejected)} + unchanged ${n(counts.unchanged)} + outOfWindow ${n(counts.outOfWindow)}`;
}

export function buildSummary(result: BuildResult, outDir: string, seconds: number): string {
  const lines: string[] = [];
  const bytes = result.batches.reduce((sum, b) => sum + b.bytes, 0);
  // A file with nested records has one summary per model it feeds.
  const files = new Set(result.inputs.map((i) => i.file)).size;
  lines.push(
    result.manifestFile
      ? `built ${result.batches.length} batch${result.batches.length === 1 ? '' : 'es'} (${formatBytes(bytes)}) in ${outDir} from ${files} input${files === 1 ? '' : 's'} in ${seconds.toFixed(1)} s`
      : `validated ${files} input${files === 1 ? '' : 's'} in ${seconds.toFixed(1)} s`,
  );
  lines.push(countsTable(result.counts));
  lines.push(accountingLine(result.counts));
  for (const b of result.batches) {
    lines.push(`  ${b.file}  ${formatBytes(b.bytes).padStart(10)}  ${n(b.records)} records: ${b.entries.map((e) => `${e.name} ${n(e.records)}`).join(', ')}`);
  }
  if (result.counts.rejected > 0) lines.push(`rejects: ${result.rejectsFile}`);
  if (result.warningsFile && result.orphanWarnings > 0) lines.push(`orphan warnings (${n(result.orphanWarnings)}): ${result.warningsFile}`);
  if (result.manifestFile) lines.push(`manifest: ${result.manifestFile}`);
  return lines.join('\n');
}
