// The second half of a large JSON input's key scan (scanJsonFileKeys):
// posts the keys it found, or nothing on any failure, and the caller then
// scans the whole file itself.
import { parentPort, workerData } from 'node:worker_threads';
import { scanJsonKeys } from './json-keys.js';
import { readText, type FileToRead } from './read.js';

const { file, range, encoding } = workerData as { file: FileToRead; range: { start: number; end: number }; encoding?: 'utf-8' | 'latin1' };
try {
  parentPort!.postMessage({ keys: [...(await scanJsonKeys(readText(file, { range, encoding })))] });
} catch {
  parentPort!.postMessage({});
}
