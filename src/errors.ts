/**
 * Failures that end a run. Each has a stable code and maps to an exit status:
 * 2 for usage/configuration, 1 when the data stopped the run.
 * Per-record problems are not errors: they become rejects (see validate/problems.ts).
 */
export class SageSyncError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags, unknown files, a broken mapping: nothing was read. */
export class UsageError extends SageSyncError {
  constructor(message: string, code = 'USAGE') {
    super(code, message, 2);
  }
}

/** The data stopped the run: --on-invalid fail, --max-errors, or a file-level defect. */
export class DataError extends SageSyncError {
  constructor(code: string, message: string) {
    super(code, message, 1);
  }
}

/** Writing the outputs failed (disk full, ...); nothing that was written is kept. */
export class OutputError extends SageSyncError {
  constructor(outDir: string, cause: Error) {
    super('OUTPUT', `cannot write to ${outDir}: ${cause.message}; nothing was kept`, 1);
  }
}
