// Cross-record checks and delta filters, applied to each validated batch
// between validation and formatting. Per record, in this order:
//   1. duplicate identity (decided by validation alone, so both policies and
//      the pre-pass agree on which records take part);
//   2. delta window: records whose `modified` is before it are dropped and
//      counted as outOfWindow;
//   3. references: each foreign key must name a valid record of its target
//      model in this run; an orphan is rejected or written with a warning;
//   4. change detection: a record whose canonical row matches the state is
//      dropped and counted as unchanged.
// Indexes are keyed by key text: numbered keys by their number, others by a
// 64-bit hash (text-keys.ts; see numbered-keys.ts and key-index.ts for sizes).
// With a change state, the state's table is the duplicate index (under the
// default policy) and the set of identities read, so a key of the run costs
// one slot in all (delta/state.ts).
import { ENUMS, type Field, type Model } from '../schema/index.js';
import type { ChangeState, Prior } from '../delta/state.js';
import { windowFilter } from '../delta/window.js';
import { DataError } from '../errors.js';
import type { Cell, ValidatedBatch } from '../validate/compile.js';
import { problem, type Problem } from '../validate/problems.js';
import { hashEnd, hashOut, hashPiece, hashStart, stableHash } from './hash.js';
import { columnReferences, identityReader, orphanReason, type ColumnReference, type IdentityReader } from './keys.js';
import { sameText } from './same-text.js';
import { BatchHashes, TextKeyIndex, type KeySet, type TextOf } from './text-keys.js';

export type DuplicatePolicy = 'reject' | 'last-wins' | 'off';
export type OrphanPolicy = 'reject' | 'warn' | 'off';

export interface IntegrityOptions {
  duplicates: DuplicatePolicy;
  orphans: OrphanPolicy;
  /** Lower bound on `modified`, in ms since the epoch. */
  since?: number;
  state?: ChangeState;
  /** A full sync must carry every record, so unchanged ones are still written. */
  fullSync: boolean;
}

/** A validated batch of one input, as a pre-pass reads it. */
export interface ScannedBatch {
  fileIndex: number;
  batch: ValidatedBatch;
}

/** Reads a model's inputs again through parse and validation, for a key-only pre-pass. */
export type Rescan = (model: Model) => AsyncIterable<ScannedBatch>;

export interface CheckOutcome {
  unchanged: number;
  outOfWindow: number;
  /** Records written with an orphan warning. */
  warnings: { line: number; key: string; problems: Problem[] }[];
}

/** Seeds keep identity hashes of different models apart in the shared state table. */
const seedOf = (model: Model): number => Math.imul(model.order + 1, 0x9e3779b1);
const CONTENT_SEED = 0x85ebca6b;
/** Words a row takes in IntegrityChecks' pending fingerprints. */
const FINGERPRINT_WORDS = 8;

/**
 * Numbers the lines of a model's inputs on across its files, in reading
 * order, so one 32-bit word names a file and a line: the duplicate index
 * then needs 12-byte slots, not 16. Both passes over a model call `of` for
 * the same records in the same order, so they agree on every position.
 */
export class LinePositions {
  private readonly files: number[] = [];
  private readonly starts: number[] = [];
  private currentFile = -1;
  private base = 0;
  private end = 0;

  of(fileIndex: number, line: number): number {
    if (fileIndex !== this.currentFile) {
      this.currentFile = fileIndex;
      this.base = this.end;
      this.files.push(fileIndex);
      this.starts.push(this.base);
    }
    const position = this.base + line;
    if (position > 0xffffffff) throw new DataError('TOO_MANY_LINES', 'the inputs of one model hold more than 4,294,967,295 lines; split the run');
    if (position > this.end) this.end = position;
    return position;
  }

  /** The file index and line of a position. */
  locate(position: number): [fileIndex: number, line: number] {
    let f = this.starts.length - 1;
    while (f > 0 && this.starts[f] >= position) f--;
    return [this.files[f], position - this.starts[f]];
  }
}

/** The identities read so far of a model with a change state: the state's table holds them. */
class StateIdentities implements KeySet {
  private readonly batch = new BatchHashes(stableHash);

  constructor(
    private readonly state: ChangeState,
    private readonly seed: number,
  ) {}

  findRows(count: number, textOf: TextOf, found: Uint8Array): void {
    this.batch.fill(count, textOf, this.state.table, this.seed);
    this.batch.lookUp(count, found, this.isSeen);
  }

  private readonly isSeen = (hi: number, lo: number): boolean => this.state.isSeen(hi, lo);

  find(text: string): boolean {
    this.batch.recall(text, -1, this.seed);
    return this.state.isSeen(hashOut.hi, hashOut.lo);
  }
}

interface ModelChecks {
  model: Model;
  identity: IdentityReader | undefined;
  /**
   * Identity -> line position of the first (reject) or last (last-wins)
   * occurrence; none under reject with a change state, whose table serves.
   */
  seen: TextKeyIndex | undefined;
  /** Positions of the records as this pass reads them. */
  positions: LinePositions;
  /** Positions the index holds: the pre-pass's under last-wins, which has seen every file. */
  indexed: LinePositions;
  references: ColumnReference[];
  /** The value set of each reference's target field when the target is fixed (resolved once, not per row). */
  referenceSets: (KeySet | undefined)[];
  /** Target fields of this model that other models' references need, besides the identity. */
  registers: { column: number; set: TextKeyIndex }[];
  inWindow: ((row: readonly Cell[]) => boolean) | undefined;
  content: ((row: readonly Cell[]) => void) | undefined;
}

export class IntegrityChecks {
  /** Valid values of each referenced target field ("Invoice.erpKey"), filled as the target is read. */
  private readonly parents = new Map<string, KeySet>();
  private current: ModelChecks | undefined;
  /**
   * (row, state key hi, lo, new content hi, lo, 1 if known, old content hi,
   * lo) of the last checked batch's rows, until `built`: the first
   * `pendingWords` words. A typed array a batch reuses, since pushing onto
   * an array emptied for each batch grew it anew every time (41-75 against
   * 8-14 ns a row).
   */
  private pendingFingerprints = new Uint32Array(0);
  private pendingWords = 0;

  constructor(
    private readonly options: IntegrityOptions,
    private readonly plannedModels: readonly Model[],
    private readonly filePaths: readonly string[],
    private readonly columnsOf: (model: Model) => readonly Field[],
    private readonly rescan: Rescan,
    /** Records the model's inputs probably hold (0 when unknown): its indexes start at that size. */
    private readonly expectedRecords: (model: Model) => number = () => 0,
  ) {}

  /** Prepares the checks of a model; runs the pre-passes it needs. */
  async beginModel(model: Model): Promise<void> {
    const columns = this.columnsOf(model);
    // The identity serves change detection too, whatever the duplicate policy.
    const identity = identityReader(model, columns);
    const references = this.options.orphans === 'off' ? [] : columnReferences(model, columns);
    for (const ref of references) {
      // A reference to this model or a later one points at records not read
      // yet: collect the target's values first, so the order of files on the
      // command line does not matter.
      for (const target of ref.target ? [ref.target] : []) {
        if (target.order >= model.order) await this.prescanTarget(target, ref.targetField);
      }
    }
    let seen: TextKeyIndex | undefined;
    const positions = new LinePositions();
    let indexed = positions;
    const state = this.options.state;
    if (identity && (this.options.duplicates === 'last-wins' || (this.options.duplicates === 'reject' && !state))) {
      seen = new TextKeyIndex(1, this.expectedRecords(model));
      if (this.options.duplicates === 'last-wins') {
        indexed = new LinePositions();
        await this.indexLastOccurrences(model, identity, seen, indexed);
      }
    }
    const registers: ModelChecks['registers'] = [];
    for (const name of this.referencedFields(model)) {
      if (this.parents.has(`${model.name}.${name}`)) continue;
      if (name === 'erpKey' && identity?.label === 'erpKey' && (state || seen)) {
        this.parents.set(`${model.name}.${name}`, state ? new StateIdentities(state, seedOf(model)) : seen!);
        continue;
      }
      const set = new TextKeyIndex(0, this.expectedRecords(model));
      this.parents.set(`${model.name}.${name}`, set);
      registers.push({ column: columns.findIndex((f) => f.name === name), set });
    }
    this.current = {
      model,
      identity,
      seen,
      positions,
      indexed,
      references,
      referenceSets: references.map((ref) => (ref.target ? this.parents.get(`${ref.target.name}.${ref.targetField}`) : undefined)),
      registers,
      inWindow: this.options.since === undefined ? undefined : windowFilter(columns, this.options.since),
      content: this.options.state && identity ? contentHasher(columns) : undefined,
    };
  }

  /**
   * Notes on the current model's checks, once it is read: references whose
   * target model has no input in this run, where every value is an orphan.
   * That is most often a file left off the command line, and the report
   * alone would show it only as one orphan per record.
   */
  notes(): string[] {
    const { references } = this.current!;
    const policy = this.options.orphans === 'reject' ? 'rejected as ORPHAN' : 'listed as ORPHAN in warnings.csv';
    return references
      .filter((ref) => ref.target !== undefined && ref.orphans > 0 && !this.plannedModels.includes(ref.target))
      .map((ref) => {
        const target = ref.target!.name;
        const records = ref.orphans === 1 ? '1 record' : `${ref.orphans.toLocaleString('en-US')} records`;
        return `${ref.field.name} names ${target} records, but this run has no ${target} input: ${records} ${policy}; give the ${target} file too to check them`;
      });
  }

  /** Replaces the state file with the state this run leaves. */
  async saveState(): Promise<void> {
    await this.options.state?.save();
  }

  /** Removes what a failed run wrote for the state; the state file stays as it was. */
  async discardState(): Promise<void> {
    await this.options.state?.discard();
  }

  /** Fields of `model` that references of the planned models point at. */
  private referencedFields(model: Model): Set<string> {
    const fields = new Set<string>();
    if (this.options.orphans === 'off') return fields;
    for (const child of this.plannedModels) {
      for (const ref of columnReferences(child, this.columnsOf(child))) {
        if (ref.target === model || (ref.target === undefined && isTableKeyTarget(model))) fields.add(ref.targetField);
      }
    }
    return fields;
  }

  private async prescanTarget(target: Model, field: string): Promise<void> {
    const name = `${target.name}.${field}`;
    if (this.parents.has(name)) return;
    const set = new TextKeyIndex(0, this.expectedRecords(target));
    this.parents.set(name, set);
    if (!this.plannedModels.includes(target)) return;
    const column = this.columnsOf(target).findIndex((f) => f.name === field);
    if (column < 0) return;
    for await (const { batch } of this.rescan(target)) {
      for (const row of batch.rows) {
        const value = row[column];
        if (value !== null) set.insert(value);
      }
    }
  }

  /** last-wins: a key-only pre-pass noting where each identity occurs last. */
  private async indexLastOccurrences(model: Model, identity: IdentityReader, seen: TextKeyIndex, positions: LinePositions): Promise<void> {
    for await (const { fileIndex, batch } of this.rescan(model)) {
      for (let r = 0; r < batch.rows.length; r++) {
        const key = identity.text(batch.rows[r]);
        if (key === undefined) continue;
        seen.value[0] = positions.of(fileIndex, batch.lines[r]);
        seen.insert(key);
      }
    }
  }

  /**
   * Applies the checks to one validated batch of the current model, in
   * place: rows that fail move to `rejects` (kept in line order), rows
   * dropped by the delta filters are counted.
   */
  check(fileIndex: number, result: ValidatedBatch): CheckOutcome {
    const checks = this.current!;
    const { identity, seen, references, registers, inWindow, content } = checks;
    const state = this.options.state;
    const outcome: CheckOutcome = { unchanged: 0, outOfWindow: 0, warnings: [] };
    const { rows, lines, rejects } = result;
    const rejectedBefore = rejects.length;
    const seed = seedOf(checks.model);
    if (content && this.pendingFingerprints.length < FINGERPRINT_WORDS * rows.length) {
      this.pendingFingerprints = new Uint32Array(2 * FINGERPRINT_WORDS * rows.length);
    }
    const fingerprints = this.pendingFingerprints;
    let fingerprintWords = 0;
    const indexed = identity !== undefined && (seen !== undefined || state !== undefined);
    const keys = this.keys;
    if (indexed) {
      keys.length = rows.length;
      for (let r = 0; r < rows.length; r++) keys[r] = identity.text(rows[r]);
      if (this.rowPositions.length < rows.length) this.reserveRows(rows.length);
      const { rowPositions, held, heldPresent } = this;
      for (let r = 0; r < rows.length; r++) if (keys[r] !== undefined) rowPositions[r] = checks.positions.of(fileIndex, lines[r]);
      // Duplicates depend on validation alone, so a batch's are decided in one
      // call: its index operations run back to back and their cache misses
      // overlap, where each row's other checks would hold them apart.
      if (seen) {
        held.set(rowPositions.subarray(0, rows.length));
        if (this.options.duplicates === 'last-wins') seen.lookUpRows(keys, rows.length, held, heldPresent);
        else seen.insertRowsIfAbsent(keys, rows.length, held, heldPresent);
      }
      // The seed keeps equal keys of different models apart in the one state table.
      if (state) this.stateKeys.fillRows(keys, rows.length, state.table, seed);
    }
    for (let k = 0; k < references.length; k++) if (references[k].target) this.lookUpReferences(k, checks.referenceSets[k], references[k].column, rows);
    let keep = 0;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      const line = lines[r];
      const key = indexed ? keys[r] : identity?.text(row);
      let prior: Prior = 'new';
      let stateHi = 0;
      let idLo = 0;
      let oldHi = 0;
      let oldLo = 0;
      if (key !== undefined && indexed) {
        const position = this.rowPositions[r];
        if (seen && this.heldPresent[r] === 1) {
          const duplicate = this.duplicateOf(key, position, this.held[r], checks.indexed, identity!.label);
          if (duplicate) {
            rejects.push({ line, key, problems: [duplicate] });
            continue;
          }
        }
        if (state) {
          this.stateKeys.recall(key, r, seed);
          stateHi = hashOut.hi;
          idLo = hashOut.lo;
          prior = state.lookup(stateHi, idLo);
          if (prior === 'seen' && this.options.duplicates === 'reject') {
            rejects.push({ line, key, problems: [this.alreadyRead(identity!.label, key, checks.positions, state.value[0])] });
            continue;
          }
          if (prior === 'known') {
            oldHi = state.value[0];
            oldLo = state.value[1];
          }
          if (prior !== 'seen') state.claim(stateHi, idLo, position);
        }
      }
      for (const { column, set } of registers) {
        const value = row[column];
        if (value !== null) set.insert(value);
      }
      if (inWindow && !inWindow(row)) {
        if (prior === 'known') state!.keep(stateHi, idLo, oldHi, oldLo);
        outcome.outOfWindow++;
        continue;
      }
      const orphans = references.length > 0 ? this.orphansOf(references, row, r) : undefined;
      if (orphans) {
        if (this.options.orphans === 'reject') {
          if (prior === 'known') state!.keep(stateHi, idLo, oldHi, oldLo);
          rejects.push({ line, key: key ?? '', problems: orphans });
          continue;
        }
        outcome.warnings.push({ line, key: key ?? '', problems: orphans });
      }
      if (content && key !== undefined) {
        content(row);
        if (!this.options.fullSync && prior === 'known' && hashOut.hi === oldHi && hashOut.lo === oldLo) {
          state!.keep(stateHi, idLo, oldHi, oldLo);
          outcome.unchanged++;
          continue;
        }
        const at = fingerprintWords;
        fingerprints[at] = keep;
        fingerprints[at + 1] = stateHi;
        fingerprints[at + 2] = idLo;
        fingerprints[at + 3] = hashOut.hi;
        fingerprints[at + 4] = hashOut.lo;
        fingerprints[at + 5] = prior === 'known' ? 1 : 0;
        fingerprints[at + 6] = oldHi;
        fingerprints[at + 7] = oldLo;
        fingerprintWords += FINGERPRINT_WORDS;
      }
      rows[keep] = row;
      lines[keep] = line;
      keep++;
    }
    this.pendingWords = fingerprintWords;
    rows.length = keep;
    lines.length = keep;
    if (rejects.length > rejectedBefore) rejects.sort((a, b) => a.line - b.line);
    return outcome;
  }

  /**
   * Whether each row's value of the fixed-target reference `k` names a valid
   * record of its target (1), as `found[k][row]`. The targets' values are
   * all known before a model is checked (earlier models were read, the
   * model itself and later ones pre-scanned), so the batch's lookups can
   * run in a loop of their own, back to back like the duplicates'.
   */
  private lookUpReferences(k: number, set: KeySet | undefined, column: number, rows: readonly (readonly Cell[])[]): void {
    if ((this.found[k]?.length ?? 0) < rows.length) this.found[k] = new Uint8Array(2 * rows.length);
    const found = this.found[k];
    if (!set) {
      found.fill(0, 0, rows.length);
      return;
    }
    set.findRows(rows.length, (r) => rows[r][column], found);
  }

  /** Per fixed-target reference, whether each row of the batch names a valid record (see lookUpReferences). */
  private readonly found: Uint8Array[] = [];

  /** Identity texts of the batch being checked. */
  private readonly keys: (string | undefined)[] = [];
  /** Line positions of the batch's identities. */
  private rowPositions = new Uint32Array(0);
  /**
   * For each identity of the batch, whether the duplicate index already
   * held it, and then the position it holds: the first occurrence's
   * (reject), or the last one's (last-wins).
   */
  private held = new Uint32Array(0);
  private heldPresent = new Uint8Array(0);
  /** Their hashes in the change state's table. */
  private readonly stateKeys = new BatchHashes(stableHash);

  private reserveRows(count: number): void {
    this.rowPositions = new Uint32Array(2 * count);
    this.held = new Uint32Array(2 * count);
    this.heldPresent = new Uint8Array(2 * count);
  }

  /**
   * Keeps the new fingerprints of the last checked batch for the next
   * state, except for the rows the sink could not take (`skipped`,
   * ascending), which keep their old ones if they had any: only records that
   * reached a batch may later count as unchanged.
   */
  built(skipped: readonly number[]): void {
    const state = this.options.state;
    const pending = this.pendingFingerprints;
    if (!state) return;
    let s = 0;
    for (let at = 0; at < this.pendingWords; at += FINGERPRINT_WORDS) {
      const row = pending[at];
      while (s < skipped.length && skipped[s] < row) s++;
      if (s < skipped.length && skipped[s] === row) {
        if (pending[at + 5] === 1) state.keep(pending[at + 1], pending[at + 2], pending[at + 6], pending[at + 7]);
        continue;
      }
      state.keep(pending[at + 1], pending[at + 2], pending[at + 3], pending[at + 4]);
    }
    this.pendingWords = 0;
  }

  /**
   * The DUPLICATE_KEY problem of the identity `key`, read at `position`,
   * whose key the duplicate index holds with `held`, or undefined.
   */
  private duplicateOf(key: string, position: number, held: number, indexed: LinePositions, label: string): Problem | undefined {
    if (this.options.duplicates === 'reject') return this.alreadyRead(label, key, indexed, held);
    if (held === position) return undefined;
    return problem('DUPLICATE_KEY', label, `${label} "${key}" occurs again later, at ${this.where(indexed, held)}, which is kept (--duplicates last-wins)`, key);
  }

  /** The reject policy's problem for a record whose identity was read first at `position`. */
  private alreadyRead(label: string, key: string, positions: LinePositions, position: number): Problem {
    return problem('DUPLICATE_KEY', label, `${label} "${key}" was already read at ${this.where(positions, position)}, which is kept`, key);
  }

  private where(positions: LinePositions, position: number): string {
    const [fileIndex, line] = positions.locate(position);
    return `${this.filePaths[fileIndex]}:${line}`;
  }

  /**
   * One ORPHAN problem per foreign key that names no record of its target,
   * or undefined; the row is `index` of the batch, whose fixed-target
   * references were looked up (lookUpReferences).
   */
  private orphansOf(references: readonly ColumnReference[], row: readonly Cell[], index: number): Problem[] | undefined {
    let problems: Problem[] | undefined;
    for (let r = 0; r < references.length; r++) {
      const ref = references[r];
      const value = row[ref.column];
      if (value === null) continue;
      if (ref.target) {
        if (this.found[r][index] === 1) continue;
        ref.orphans++;
        if (sameText(value, ref.lastMissing)) {
          (problems ??= []).push(ref.lastOrphan!);
          continue;
        }
      } else {
        const tableKey = ref.tableKeyColumn >= 0 ? row[ref.tableKeyColumn] : null;
        if (tableKey === null || this.parents.get(`${tableKey}.${ref.targetField}`)?.find(value)) continue;
      }
      const targetName = ref.target?.name ?? row[ref.tableKeyColumn]!;
      const orphan = problem('ORPHAN', ref.field.name, ref.orphanReason ?? orphanReason(ref.field, targetName, ref.targetField), value);
      if (ref.target) {
        ref.lastMissing = value;
        ref.lastOrphan = orphan;
      }
      (problems ??= []).push(orphan);
    }
    return problems;
  }
}

/** CustomField's erpKey may point at any model its tableKey can name. */
function isTableKeyTarget(model: Model): boolean {
  return (ENUMS.tableKey as readonly string[]).includes(model.name);
}

/** Ends each cell in the content hash. */
const CELL_END = '\u001f';

/**
 * Hashes a row's canonical form (field names and values, empty cells left
 * out) into hashOut. Names are part of it, so adding an empty column to an
 * export does not make every record look changed.
 */
function contentHasher(columns: readonly Field[]): (row: readonly Cell[]) => void {
  const prefixes = columns.map((f) => f.name + '\u001e');
  return (row) => {
    hashStart(CONTENT_SEED);
    for (let c = 0; c < row.length; c++) {
      const v = row[c];
      if (v === null) continue;
      hashPiece(prefixes[c]);
      hashPiece(v);
      hashPiece(CELL_END);
    }
    hashEnd();
  };
}

