// The live progress line of `build` on a terminal: rewritten in place on
// stderr, at most a few times a second, and cleared before the summary.

import type { Progress } from '../pipeline/build.js';
import { formatBytes } from '../util/size.js';

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One progress line for the state after `seconds` of running. */
export function progressLine(progress: Progress, seconds: number): string {
  const rows = progress.counts.read;
  const rate = seconds > 0 ? rows / seconds : 0;
  const byteRate = seconds > 0 ? progress.bytesRead / seconds : 0;
  const eta = byteRate > 0 ? duration((progress.bytesTotal - progress.bytesRead) / byteRate) : '?';
  const parts = [
    `${rows.toLocaleString('en-US')} rows`,
    `${Math.round(rate).toLocaleString('en-US')} rows/s`,
    `${formatBytes(progress.bytesRead)} of ${formatBytes(progress.bytesTotal)} read`,
  ];
  if (progress.batches > 0) parts.push(`batch ${progress.batches}`);
  parts.push(`ETA ${eta}`);
  return parts.join(' · ');
}

const REDRAW_MS = 250;

/** Draws progress lines on a terminal stream. */
export class ProgressDisplay {
  private readonly started = performance.now();
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream) {}

  update = (progress: Progress): void => {
    const now = performance.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const line = progressLine(progress, (now - this.started) / 1000);
    this.out.write(`\r${line.slice(0, Math.max(20, (this.out.columns || 80) - 1))}\x1b[K`);
    this.drawn = true;
  };

  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
