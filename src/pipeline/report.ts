// rejects.csv: one row per rejected record, for people to read (often in a
// spreadsheet). Cells that a spreadsheet would run as a formula are
// neutralised here only; the upload itself carries values unchanged.

import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { csvCell, NEEDS_QUOTES } from '../sinks/format.js';
import { temporaryPath } from '../util/atomic.js';
import type { Problem } from '../validate/problems.js';

export const REPORT_COLUMNS = ['file', 'line', 'model', 'erpKey', 'field', 'code', 'reason', 'value'] as const;

const MAX_VALUE_CHARS = 200;
const FORMULA_START = /^[=+\-@\t\r]/;

/** Anything safeCell would change, in one test: most keys and values need nothing. */
const NEEDS_CARE = new RegExp(`${FORMULA_START.source}|${NEEDS_QUOTES.source}`);

/** Text safe to open in a spreadsheet: truncated, and never read as a formula. */
export function safeCell(text: string, max = MAX_VALUE_CHARS): string {
  if (text.length <= max && !NEEDS_CARE.test(text)) return text;
  let out = text.length > max ? text.slice(0, max) + '…' : text;
  if (FORMULA_START.test(out)) out = "'" + out;
  return csvCell(out);
}

export interface ReportRow {
  file: string;
  line: number;
  model: string;
  key: string;
  problems: readonly Problem[];
}

/** A CSV report written under a temporary name and renamed when closed. */
export class ReportWriter {
  private readonly tmpPath: string;
  private readonly out: WriteStream;
  private pending = '';
  /** A write error (disk full, ...) is kept and thrown by the next flush or close. */
  private failure: Error | undefined;
  /** Cells that repeat from row to row (the file, the field, an orphan's reason), made safe once. */
  private readonly safeCells = new Map<string, string>();
  rows = 0;

  constructor(readonly path: string) {
    this.tmpPath = temporaryPath(path);
    // A batch's rows (about 86 KB for 470 orphan warnings) pass the default
    // 16 KiB mark, so every flush waited for its write, the main thread idle
    // meanwhile: 1M warning rows took 1.09-1.33 s, and 0.70-0.90 s with 1 MiB.
    this.out = createWriteStream(this.tmpPath, { highWaterMark: 1 << 20 });
    this.out.on('error', (error) => {
      this.failure ??= error;
    });
    this.pending = REPORT_COLUMNS.join(',') + '\n';
  }

  /** Adds one row for a record; further problems of the same record are summarised in its reason. */
  add(row: ReportRow): void {
    const { problems } = row;
    let problemCells: string;
    if (problems.length === 1) {
      // Records sharing one problem (an orphan of the same parent) share its cells.
      if (problems[0] !== this.lastProblem) {
        this.lastProblem = problems[0];
        this.lastProblemCells = this.problemCells(problems[0], this.repeated(problems[0].reason, 1000));
      }
      problemCells = this.lastProblemCells;
    } else {
      const more = problems.slice(1).map((p) => `${p.field || 'record'} ${p.code}`);
      problemCells = this.problemCells(problems[0], safeCell(`${problems[0].reason} (and ${more.length} more: ${more.join(', ')})`, 1000));
    }
    if (row.file !== this.lastFile || row.model !== this.lastModel) {
      this.lastFile = row.file;
      this.lastModel = row.model;
      this.fileCells = `${this.repeated(row.file, 1000)},`;
      this.modelCells = `,${row.model},`;
    }
    // Few pieces a row: each join of two long texts is one more object to build and flatten.
    this.pending += this.fileCells + row.line + this.modelCells + safeCell(row.key) + problemCells;
    this.rows++;
  }

  /** The file and model of the last row added, and their cells with the separators around them: a batch's rows share them. */
  private lastFile: string | undefined;
  private lastModel: string | undefined;
  private fileCells = '';
  private modelCells = '';

  /** The last single problem added, and its cells. */
  private lastProblem: Problem | undefined;
  private lastProblemCells = '';

  /** The field, code, reason and value cells of a row whose first problem is `first`, from the comma before them to the line break. */
  private problemCells(first: Problem, reasonCell: string): string {
    return `,${this.repeated(first.field)},${first.code},${reasonCell},${safeCell(first.value)}\n`;
  }

  private repeated(text: string, max?: number): string {
    let cell = this.safeCells.get(text);
    if (cell === undefined) {
      cell = safeCell(text, max);
      // Files, field names and orphan reasons are few; anything else passing here is not cached without bound.
      if (this.safeCells.size < 1000) this.safeCells.set(text, cell);
    }
    return cell;
  }

  /** Hands buffered rows to the file, waiting when the disk is behind. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pending.length === 0) return;
    const text = this.pending;
    this.pending = '';
    if (!this.out.write(text)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await this.closed();
    if (this.failure) {
      await rm(this.tmpPath, { force: true });
      throw this.failure;
    }
    await rename(this.tmpPath, this.path);
  }

  /** Waits for the file to close; an error on the way is already in `failure`. */
  private closed(): Promise<void> {
    if (this.out.closed) return Promise.resolve();
    return new Promise((resolve) => this.out.once('close', () => resolve()));
  }

  async discard(): Promise<void> {
    this.out.destroy();
    await this.closed();
    await rm(this.tmpPath, { force: true });
  }
}
