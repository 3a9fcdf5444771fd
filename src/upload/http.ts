// One HTTP exchange over node:http/https, with the request body streamed
// from disk. It tells a caller whether the whole body had been handed to the
// connection before a failure: only then can the server have acted on it.

import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A body made of in-memory parts and files, sent in order without loading a file whole. */
export type BodyPart = { bytes: Buffer } | { file: string; size: number };

export class NetworkError extends Error {
  constructor(message: string, readonly bodySent: boolean) {
    super(message);
  }
}

/** Responses are JSON documents; a bigger answer is not one this client expects. */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
const IDLE_TIMEOUT_MS = 120_000;

async function writeBody(req: ClientRequest, parts: readonly BodyPart[], stopped: () => boolean): Promise<void> {
  for (const part of parts) {
    if ('bytes' in part) {
      if (!req.write(part.bytes)) await once(req, 'drain');
      continue;
    }
    const file = createReadStream(part.file, { highWaterMark: 1 << 20 });
    try {
      for await (const chunk of file) {
        if (stopped()) return;
        if (!req.write(chunk)) await once(req, 'drain');
      }
    } finally {
      file.destroy();
    }
  }
  req.end();
}

export function sendHttp(url: URL, method: string, headers: Record<string, string>, parts: readonly BodyPart[] = []): Promise<HttpResponse> {
  const length = parts.reduce((sum, p) => sum + ('bytes' in p ? p.bytes.length : p.size), 0);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let bodySent = false;
    let responded = false;
    const req = send(url, { method, headers: { ...headers, ...(method === 'GET' ? {} : { 'content-length': String(length) }) } });
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no activity for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on('finish', () => (bodySent = true));
    req.on('error', (error) => {
      // A server may answer (413) and close before the body is written; the answer is what counts.
      if (!responded) reject(new NetworkError(error.message, bodySent));
    });
    req.on('response', (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) res.destroy(new Error('response too large'));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => reject(new NetworkError(error.message, true)));
      res.on('aborted', () => reject(new NetworkError('the connection closed during the response', true)));
    });
    if (method === 'GET') req.end();
    else writeBody(req, parts, () => responded).catch((error: Error) => req.destroy(error));
  });
}
