// SQLite storage of the local sync service: sync requests and merged records.
// better-sqlite3 is synchronous; the service calls it from one background
// job at a time, in one transaction per parsed chunk.

import Database from 'better-sqlite3';
import type { Field, Model } from '../schema/index.js';
import type { Cell } from '../validate/compile.js';
import { compileIdentity, mergeRecord, type IdentityOf, type RecordData } from './merge.js';

/** SyncEntityResultModel: what one sync did to one model. */
export interface EntityResult {
  insertCount: number;
  updateCount: number;
  deleteCount: number;
  skipCount: number;
  errorCount: number;
  errors: Record<string, string[]>;
  skips: Record<string, string>;
}

/** Per-record maps are capped so a million skips do not become a million-key response; counts stay exact. */
export const MAX_LISTED_PER_MODEL = 1000;

export function emptyResult(): EntityResult {
  return { insertCount: 0, updateCount: 0, deleteCount: 0, skipCount: 0, errorCount: 0, errors: {}, skips: {} };
}

export function noteError(result: EntityResult, key: string, message: string): void {
  result.errorCount++;
  const list = result.errors[key];
  if (list) list.push(message);
  else if (Object.keys(result.errors).length < MAX_LISTED_PER_MODEL) result.errors[key] = [message];
}

/** SyncRequestModel as the service stores and returns it. */
export interface SyncRequest {
  syncRequestId: string;
  groupKey: string;
  statusCode: 'Ready' | 'In Progress' | 'Success' | 'Failed' | 'Cancelled';
  operationTypeName: string;
  operationType: number;
  processResultMessage: string | null;
  failureCount: number;
  runFullSync: boolean;
  appEnrollmentId: string | null;
  created: string;
  modified: string;
  modifiedUserId: string;
  parentSyncRequestId: string | null;
  currentBatch: number | null;
  totalBatches: number | null;
  details: Record<string, EntityResult> | null;
}

export interface StoredRecord {
  appEnrollmentId: string | null;
  identity: string;
  data: RecordData;
}

export class SyncStore {
  private readonly db: Database.Database;
  private readonly identities = new Map<Model, IdentityOf>();
  private readonly statements;

  constructor(file = ':memory:') {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS syncs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS records (
        model TEXT NOT NULL, scope TEXT NOT NULL, identity TEXT NOT NULL, data TEXT NOT NULL, sync_id TEXT NOT NULL,
        PRIMARY KEY (model, scope, identity)) WITHOUT ROWID;`);
    this.statements = {
      insertSync: this.db.prepare('INSERT INTO syncs (id, body) VALUES (?, ?)'),
      updateSync: this.db.prepare('UPDATE syncs SET body = ? WHERE id = ?'),
      getSync: this.db.prepare<[string], { body: string }>('SELECT body FROM syncs WHERE id = ?'),
      allSyncs: this.db.prepare<[], { body: string }>('SELECT body FROM syncs ORDER BY seq'),
      getRecord: this.db.prepare<[string, string, string], { data: string }>('SELECT data FROM records WHERE model = ? AND scope = ? AND identity = ?'),
      insertRecord: this.db.prepare('INSERT INTO records (model, scope, identity, data, sync_id) VALUES (?, ?, ?, ?, ?)'),
      updateRecord: this.db.prepare('UPDATE records SET data = ?, sync_id = ? WHERE model = ? AND scope = ? AND identity = ?'),
      modelRecords: this.db.prepare<[string], { scope: string; identity: string; data: string }>(
        'SELECT scope, identity, data FROM records WHERE model = ? ORDER BY scope, identity'),
    };
  }

  saveSync(sync: SyncRequest, isNew = false): void {
    if (isNew) this.statements.insertSync.run(sync.syncRequestId, JSON.stringify(sync));
    else this.statements.updateSync.run(JSON.stringify(sync), sync.syncRequestId);
  }

  getSync(id: string): SyncRequest | undefined {
    const row = this.statements.getSync.get(id);
    return row ? (JSON.parse(row.body) as SyncRequest) : undefined;
  }

  /** Every sync request, oldest first. The service keeps few enough for a scan. */
  allSyncs(): SyncRequest[] {
    return this.statements.allSyncs.all().map((row) => JSON.parse(row.body) as SyncRequest);
  }

  /**
   * Merges validated rows of one model (spec §2): a new identity is inserted,
   * a known one updated only if some value changed, otherwise skipped.
   */
  mergeRows(model: Model, columns: readonly Field[], rows: readonly Cell[][], lines: readonly number[], sync: { id: string; scope: string | null; source: string }, result: EntityResult): void {
    let identityOf = this.identities.get(model);
    if (!identityOf) this.identities.set(model, (identityOf = compileIdentity(model)));
    const scope = sync.scope ?? '';
    const run = this.db.transaction(() => {
      const supplied = new Map<Field, Cell>();
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        supplied.clear();
        for (let c = 0; c < columns.length; c++) supplied.set(columns[c], row[c]);
        const identity = identityOf!(supplied);
        if (identity === undefined) {
          noteError(result, `${sync.source} line ${lines[r]}`, `no identity: ${model.identity.flat().join(', ')} must not be empty`);
          continue;
        }
        const stored = this.statements.getRecord.get(model.name, scope, identity);
        const previous = stored ? (JSON.parse(stored.data) as RecordData) : undefined;
        const merged = JSON.stringify(mergeRecord(model, previous, supplied));
        if (!stored) {
          this.statements.insertRecord.run(model.name, scope, identity, merged, sync.id);
          result.insertCount++;
        } else if (stored.data !== merged) {
          this.statements.updateRecord.run(merged, sync.id, model.name, scope, identity);
          result.updateCount++;
        } else {
          result.skipCount++;
          if (Object.keys(result.skips).length < MAX_LISTED_PER_MODEL) result.skips[identity] = 'no value changed';
        }
      }
    });
    run();
  }

  /** Every stored record of a model, ordered by app enrollment and identity. */
  *records(model: Model): Generator<StoredRecord> {
    for (const row of this.statements.modelRecords.iterate(model.name)) {
      yield { appEnrollmentId: row.scope === '' ? null : row.scope, identity: row.identity, data: JSON.parse(row.data) as RecordData };
    }
  }

  close(): void {
    this.db.close();
  }
}
