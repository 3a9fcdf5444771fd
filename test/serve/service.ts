// Runs `sagesync serve` as a separate process on an ephemeral loopback port
// and talks to it with fetch: a client independent of src/upload.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { deflateRawSync, crc32 } from 'node:zlib';
import { ROOT } from '../helpers.js';

export const API_KEY = 'test-key-5f1c9a7e3b2d';
const BIN = join(ROOT, 'bin', 'sagesync.js');

export interface Service {
  url: string;
  child: ChildProcess;
  get(path: string): Promise<Response>;
  json<T = any>(path: string): Promise<T>;
  /** Every sync request the service holds, oldest first. */
  syncs(): Promise<any[]>;
  records(model: string): Promise<any[]>;
  /** Resolves with the sync once it is Success or Failed. */
  settle(id: string): Promise<any>;
}

export async function startService(t: { after(fn: () => Promise<void> | void): void }, args: string[] = []): Promise<Service> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    env: { ...process.env, SAGE_API_KEY: API_KEY },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
  const get = (path: string) => fetch(new URL(path, url), { headers: { 'Api-Key': API_KEY } });
  const json = async (path: string) => {
    // Injected faults hit every client, this one too: retry them a bounded number of times.
    for (let attempt = 0; ; attempt++) {
      const response = await get(path).catch((error: Error) => {
        if (attempt >= 10) throw error;
        return undefined;
      });
      if (!response) continue;
      if (response.ok) return response.json();
      if (attempt >= 10 || (response.status !== 429 && response.status !== 500)) throw new Error(`${path}: HTTP ${response.status}`);
    }
  };
  return {
    url,
    child,
    get,
    json,
    syncs: async () => (await json('api/v1/Sync/query?order=created%20asc&pageSize=1000')).records,
    records: async (model) => (await (await get(`records/${model}`)).text()).split('\n').filter(Boolean).map((l) => JSON.parse(l)),
    settle: async (id) => {
      for (let i = 0; i < 500; i++) {
        const sync = await json(`api/v1/Sync/${id}?include=Details`);
        if (sync.statusCode === 'Success' || sync.statusCode === 'Failed') return sync;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`sync ${id} did not finish`);
    },
  };
}

/** POSTs a ZIP as multipart/form-data the way any HTTP client would. */
export async function postZip(service: Service, zip: Buffer, query = ''): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(zip)], { type: 'application/zip' }), 'upload.zip');
  return fetch(new URL(`api/v1/Sync/zip${query}`, service.url), { method: 'POST', headers: { 'Api-Key': API_KEY }, body: form });
}

/**
 * A ZIP written byte by byte, so tests can make archives no well-behaved
 * writer would: unsafe names, lying sizes, extreme ratios.
 */
export function makeZip(entries: { name: string; data: Buffer | string; deflate?: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = Buffer.from(entry.data);
    const body = entry.deflate ? deflateRawSync(data) : data;
    const name = Buffer.from(entry.name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(entry.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(entry.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
