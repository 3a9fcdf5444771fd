import { UsageError } from '../errors.js';

/** Runs node:util parseArgs (inside `parse`), turning its errors into usage errors. */
export function parsingArgs<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

export function integerOption(value: string | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${flag}: "${value}" must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

export function choiceOption<T extends string>(value: string | undefined, flag: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) throw new UsageError(`${flag}: "${value}" must be one of ${choices.join(', ')}`);
  return value as T;
}
