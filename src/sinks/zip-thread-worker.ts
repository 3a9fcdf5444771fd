// The ZIP batch writer of ZipBatchThread, on its own thread. Requests are
// carried out one at a time, in the order they came, and each gets exactly
// one reply. After a failure every later request gets the same failure, so
// the caller sees it at whichever call it waits on next.
import { parentPort, workerData } from 'node:worker_threads';
import { getModel } from '../schema/index.js';
import type { ZipBatchOptions } from './zip-batches.js';
import { ZipBatchLanes } from './zip-lanes.js';
import type { SinkMessage, SinkRequest, WireError } from './zip-thread.js';

const port = parentPort!;
// Record text goes back to be filled again: buffers sent here and dropped
// would be garbage that this thread's heap, nearly idle, collects late.
const writer = new ZipBatchLanes(workerData as ZipBatchOptions, (text) => {
  const message: SinkMessage = { kind: 'released', buffer: text.buffer as ArrayBuffer };
  port.postMessage(message, [message.buffer]);
});
let failure: WireError | undefined;
let queue = Promise.resolve();

port.on('message', (request: SinkRequest) => {
  queue = queue.then(() => carryOut(request));
});

async function carryOut(request: SinkRequest): Promise<void> {
  let reply: SinkMessage;
  try {
    if (failure && request.op !== 'abort') throw failure;
    reply = { kind: 'reply', ok: true, batch: writer.currentBatch, value: await dispatch(request) };
  } catch (error) {
    failure ??= toWire(error);
    reply = { kind: 'reply', ok: false, batch: writer.currentBatch, error: failure };
  }
  port.postMessage(reply);
}

async function dispatch(request: SinkRequest): Promise<unknown> {
  switch (request.op) {
    case 'begin':
      return writer.beginModel(getModel(request.model), request.layout);
    case 'write':
      return writer.write(request.records, request.shareRead);
    case 'end':
      return writer.endModel();
    case 'finish':
      return writer.finish();
    case 'abort':
      return writer.abort();
  }
}

/** Errors cross threads as plain data; the fields the build inspects are kept. */
function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, syscall, errno, path } = error as NodeJS.ErrnoException;
  return { message: error.message, stack: error.stack, code, syscall, errno, path };
}
