/**
 * Per-model tallies. Invariant: read = written + rejected + unchanged +
 * outOfWindow. The last two are records a delta sync leaves out on purpose:
 * unchanged since the state file's run, or modified before the window.
 */
export interface Tally {
  read: number;
  written: number;
  rejected: number;
  unchanged: number;
  outOfWindow: number;
}

export interface Counts extends Tally {
  byModel: Record<string, Tally>;
}

/** The accounting every run must satisfy, as written in manifests and summaries. */
export const INVARIANT = 'read = written + rejected + unchanged + outOfWindow';

export function emptyTally(): Tally {
  return { read: 0, written: 0, rejected: 0, unchanged: 0, outOfWindow: 0 };
}

export function addTally(into: Tally, read: number, written: number, rejected: number, unchanged = 0, outOfWindow = 0): void {
  into.read += read;
  into.written += written;
  into.rejected += rejected;
  into.unchanged += unchanged;
  into.outOfWindow += outOfWindow;
}

/** True when the tally adds up. */
export function balanced(t: Tally): boolean {
  return t.read === t.written + t.rejected + t.unchanged + t.outOfWindow;
}

export class Counter {
  readonly total: Tally = emptyTally();
  readonly byModel = new Map<string, Tally>();

  private tally(model: string): Tally {
    let t = this.byModel.get(model);
    if (!t) this.byModel.set(model, (t = emptyTally()));
    return t;
  }

  add(model: string, read: number, written: number, rejected: number, unchanged = 0, outOfWindow = 0): void {
    addTally(this.tally(model), read, written, rejected, unchanged, outOfWindow);
    addTally(this.total, read, written, rejected, unchanged, outOfWindow);
  }

  snapshot(): Counts {
    return { ...this.total, byModel: Object.fromEntries(this.byModel) };
  }
}
