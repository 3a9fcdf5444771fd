// Public library API.
export { runBuild, DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_RECORD_BYTES, StoppedForData } from './pipeline/build.js';
export type { BuildOptions, BuildResult, Progress, InputSummary } from './pipeline/build.js';
export type { Manifest } from './pipeline/manifest.js';
export type { Counts, Tally } from './pipeline/counts.js';
export { ALL_MODELS, getModel, modelForName, referencesOf, MODELS, ENUMS, EXAMPLES } from './schema/index.js';
export type { Model, Field, FieldType } from './schema/index.js';
export { CODES } from './validate/problems.js';
export type { Problem, ProblemCode } from './validate/problems.js';
export { SageSyncError, UsageError, DataError } from './errors.js';
export { ZipBatchWriter } from './sinks/zip-batches.js';
export type { BatchSink, BatchInfo, BatchEntryInfo } from './sinks/types.js';
export { CsvEngine } from './sources/csv-engine.js';
export { NdjsonEngine, JsonArrayEngine } from './sources/json-engine.js';
