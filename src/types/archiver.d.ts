// The part of archiver 8's API that sagesync uses (the package ships no types).
declare module 'archiver' {
  import { Transform } from 'node:stream';

  export interface ArchiverOptions {
    zlib?: import('node:zlib').ZlibOptions;
    highWaterMark?: number;
    store?: boolean;
    forceZip64?: boolean;
  }

  export interface EntryData {
    name: string;
    date?: Date;
    store?: boolean;
  }

  export class ZipArchive extends Transform {
    constructor(options?: ArchiverOptions);
    append(source: NodeJS.ReadableStream | Buffer | string, data: EntryData): this;
    finalize(): Promise<void>;
    abort(): this;
    pointer(): number;
  }
}
