/** Per-model tallies. Invariant: read = written + rejected. */
export interface Tally {
  read: number;
  written: number;
  rejected: number;
}

export interface Counts extends Tally {
  byModel: Record<string, Tally>;
}

export function emptyTally(): Tally {
  return { read: 0, written: 0, rejected: 0 };
}

export class Counter {
  readonly total: Tally = emptyTally();
  readonly byModel = new Map<string, Tally>();

  private tally(model: string): Tally {
    let t = this.byModel.get(model);
    if (!t) this.byModel.set(model, (t = emptyTally()));
    return t;
  }

  add(model: string, read: number, written: number, rejected: number): void {
    const t = this.tally(model);
    t.read += read;
    t.written += written;
    t.rejected += rejected;
    this.total.read += read;
    this.total.written += written;
    this.total.rejected += rejected;
  }

  snapshot(): Counts {
    return { ...this.total, byModel: Object.fromEntries(this.byModel) };
  }
}
