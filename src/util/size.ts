import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9,
  k: 1024, m: 1024 ** 2, g: 1024 ** 3,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

/** Parses "50MB" (decimal), "64MiB"/"64M" (binary) or a plain byte count. */
export function parseByteSize(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new UsageError(`${flag}: "${text}" is not a size (examples: 50MB, 64MiB, 1048576)`);
  }
  return Math.floor(Number(match[1]) * unit);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
