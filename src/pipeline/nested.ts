// Accounting for child records split out of parent documents (mapping
// "nested"): during the parent's pass they are formatted, reported and
// counted, and spilled to disk; at their own model's turn they are read back
// into the sink. Memory stays bounded whatever the mix of parents and children.

import type { ChildBatch } from '../mapping/validator.js';
import type { Model } from '../schema/index.js';
import type { LineFormatter } from '../sinks/format.js';
import type { BatchSink } from '../sinks/types.js';
import type { Reject } from '../validate/compile.js';
import { problem } from '../validate/problems.js';
import type { InputSummary } from './build.js';
import { emptyTally, type Counter } from './counts.js';
import type { ReportWriter } from './report.js';
import { ChildSpills } from './spill.js';

export interface NestedContext {
  dir: string;
  report: ReportWriter;
  counter: Counter;
  /** Per-input summaries; children get one per (input, child model). */
  inputs: InputSummary[];
  formatters: ReadonlyMap<Model, LineFormatter>;
  maxBatchBytes: number;
}

export class NestedRecords {
  private readonly spills: ChildSpills;
  private readonly tallies = new Map<string, InputSummary>();

  constructor(private readonly context: NestedContext) {
    this.spills = new ChildSpills(context.dir);
  }

  private tally(file: string, format: string, model: Model): InputSummary {
    const id = `${model.name}\u0000${file}`;
    let tally = this.tallies.get(id);
    if (!tally) {
      tally = { file, model: model.name, format, ...emptyTally() };
      this.tallies.set(id, tally);
      this.context.inputs.push(tally);
    }
    return tally;
  }

  /** Reports and counts the children of one parent batch and spills the valid ones. Returns their rejects. */
  async spill(file: string, format: string, children: readonly ChildBatch[]): Promise<Reject[]> {
    const rejected: Reject[] = [];
    for (const child of children) {
      const formatter = this.context.formatters.get(child.model)!;
      await this.spills.add(child.model, file, child.rows.map((row) => formatter.line(row)), child.lines, child.keys);
      for (const reject of child.rejects) {
        this.context.report.add({ file, line: reject.line, model: child.model.name, key: reject.key, problems: reject.problems });
        rejected.push(reject);
      }
      const tally = this.tally(file, format, child.model);
      tally.read += child.rows.length + child.rejects.length;
      tally.written += child.rows.length;
      tally.rejected += child.rejects.length;
      this.context.counter.add(child.model.name, child.rows.length + child.rejects.length, child.rows.length, child.rejects.length);
    }
    if (rejected.length > 0) await this.context.report.flush();
    return rejected;
  }

  /** Writes a model's spilled children to the sink; a record no batch can hold moves from written to rejected. */
  async write(model: Model, sink: BatchSink): Promise<void> {
    for await (const batch of this.spills.take(model)) {
      const tooLarge = await sink.write(batch.records);
      for (const index of tooLarge) {
        const file = batch.files[batch.inputs[index]];
        this.context.report.add({
          file,
          line: batch.sourceLines[index],
          model: model.name,
          key: batch.keys[index],
          problems: [problem('TOO_LARGE', '', `the record needs more than --max-batch-bytes (${this.context.maxBatchBytes}) on its own`, batch.records[index].slice(0, 200))],
        });
        this.context.counter.add(model.name, 0, -1, 1);
        const tally = this.tallies.get(`${model.name}\u0000${file}`)!;
        tally.written--;
        tally.rejected++;
      }
      if (tooLarge.length > 0) await this.context.report.flush();
    }
  }

  discard(): Promise<void> {
    return this.spills.discard();
  }
}
