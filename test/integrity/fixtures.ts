// Small multi-model exports written per test, and a reader for what a build produced.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildResult } from '../../src/pipeline/build.js';
import { parseCsv, readZip } from '../helpers.js';

/** Writes each named CSV text into dir; returns the paths in the order given. */
export async function writeInputs(dir: string, files: Record<string, string[]>): Promise<string[]> {
  const paths: string[] = [];
  for (const [name, lines] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, lines.join('\n') + '\n');
    paths.push(path);
  }
  return paths;
}

/** Rows written per ZIP entry name, across every batch. */
export async function writtenRows(outDir: string, result: BuildResult): Promise<Map<string, Record<string, string>[]>> {
  const rows = new Map<string, Record<string, string>[]>();
  for (const batch of result.batches) {
    for (const [name, text] of await readZip(join(outDir, batch.file))) {
      rows.set(name, [...(rows.get(name) ?? []), ...(await parseCsv(text))]);
    }
  }
  return rows;
}

export async function readReport(path: string | undefined): Promise<Record<string, string>[]> {
  if (!path) return [];
  return parseCsv(await readFile(path, 'utf8'));
}

export const COMPANIES = [
  'erpKey,companyName,companyType,isActive,parentCompanyErpKey,primaryContactErpKey,modified',
  // C-2's parent comes later in the same file; its primary contact is in a later model.
  'C-2,Child Co,Customer,true,C-1,CT-1,2024-03-01T00:00:00Z',
  'C-1,Parent Co,Company,true,,,2024-03-01T00:00:00Z',
  'C-3,Lost Co,Customer,true,C-404,,2024-03-01T00:00:00Z',
];
export const CONTACTS = ['erpKey,companyErpKey,isActive,contactName', 'CT-1,C-1,true,Jane', 'CT-2,C-9,true,Nobody'];
export const INVOICES = [
  'erpKey,companyErpKey,customerErpKey,currencyRate,modified',
  'INV-1,C-1,C-2,1,2024-03-01T00:00:00Z',
  'INV-2,C-1,C-2,1,2024-03-01T00:00:00Z',
];
export const LINES = ['erpKey,invoiceErpKey,lineNumber', 'L-1,INV-1,1', 'L-2,INV-2,1', 'L-3,INV-404,1'];
