import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { getModel } from '../../src/schema/index.js';
import { detectInput } from '../../src/sources/detect.js';
import { scanJsonFileKeys, scanJsonKeys } from '../../src/sources/json-keys.js';
import { FUZZ_RUNS, tempDir } from '../helpers.js';

/** Scans in two halves from any size on. */
const ALWAYS = 1;

describe('scanJsonFileKeys', () => {
  it('finds the same keys in two halves as in one pass, wherever the cut falls', async (t) => {
    const dir = await tempDir(t);
    // Records whose keys sit before line breaks and blanks, and one key
    // ("edge") whose ":" stands on the line after it; the padding moves the
    // middle of the file across all of them.
    for (let pad = 0; pad < 24; pad++) {
      const records = [`{"first": 1, "note": "${'x'.repeat(pad)}"}`];
      for (let i = 0; i < 6; i++) records.push(`{"k${i}"\n  :\n ${i}, "v": "a:b\\":"}`);
      records.push(`{"edge"\n: "late", "ünï": 2}`);
      const path = join(dir, `doc-${pad}.json`);
      const text = `[\n${records.join(',\n')}\n]\n`;
      await writeFile(path, text);
      const file = detectInput(path, getModel('Invoice'));
      const bytes = Buffer.byteLength(text);
      const together = await scanJsonFileKeys(file, bytes, {}, Infinity);
      assert.deepEqual([...(await scanJsonFileKeys(file, bytes, {}, ALWAYS))].sort(), [...together].sort(), `pad ${pad}`);
      assert.ok(together.has('edge') && together.has('ünï') && together.has('k5'));
    }
  });

  it('reports a defect in the second half at its exact byte, as a one-pass scan does', async (t) => {
    const dir = await tempDir(t);
    const good = Buffer.from(`${'{"erpKey": "A"}\n'.repeat(200)}`);
    const path = join(dir, 'invoices.ndjson');
    await writeFile(path, Buffer.concat([good, Buffer.from([0xff]), Buffer.from('\n')]));
    const file = detectInput(path, getModel('Invoice'));
    await assert.rejects(scanJsonFileKeys(file, good.length + 2, {}, ALWAYS), new RegExp(`invalid UTF-8 at byte ${good.length}`));
  });
});

/** Every key of a parsed JSON value, at any depth. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysOf(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      into.add(key);
      keysOf(item, into);
    }
  }
  return into;
}

async function* inPieces(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

const SHAPES = [
  { erpKey: 'I-1', amount: 10.5, note: 'a "quoted", text' },
  { erpKey: 'I-2', amount: -1, note: 'x:y', flag: true },
  { erpKey: 'I-3', 'k"q': 1, nested: { inner: 'v', deeper: [{ leaf: null }] } },
  { erpKey: 'I-4', 'tab\tkey': 2, empty: '' },
];

describe('scanJsonKeys', () => {
  it('finds every key, whatever the mix of shapes, spacing and chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(SHAPES.length - 1), { minLength: 1, maxLength: 30 }),
        fc.constantFrom('ndjson', 'array', 'pretty', 'crlf'),
        fc.integer({ min: 1, max: 300 }),
        async (picks, layout, size) => {
          const records = picks.map((p) => SHAPES[p]);
          const lines = records.map((r) => JSON.stringify(r, null, layout === 'pretty' ? 1 : undefined));
          const text =
            layout === 'ndjson' ? lines.join('\n') + '\n' : layout === 'crlf' ? lines.join('\r\n') + '\r\n' : `[\n${lines.join(',\n')}\n]\n`;
          const found = await scanJsonKeys(inPieces(text, size));
          for (const key of keysOf(records)) assert.ok(found.has(key), `${key} missing (${layout}, pieces of ${size})`);
          if (layout !== 'pretty') assert.deepEqual([...found].sort(), [...keysOf(records)].sort(), 'flat lines add no candidate');
        },
      ),
      { numRuns: FUZZ_RUNS * 5 },
    );
  });

  it('finds a key that only a late record has, after a million-character line', async () => {
    const long = JSON.stringify({ erpKey: 'L', note: 'n'.repeat(1_500_000) });
    const text = `${'{"erpKey":"A","amount":1}\n'.repeat(1000)}${long}\n{"erpKey":"B","amount":2,"late":true}\n`;
    const found = await scanJsonKeys(inPieces(text, 128 << 10));
    assert.deepEqual([...found].sort(), ['amount', 'erpKey', 'late', 'note']);
  });
});
