// Public parser suites as fixtures: csv-spectrum for the CSV engine and
// JSONTestSuite's parsing cases for the JSON engines (see the README in
// each fixture folder for their origin and licence).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CsvEngine } from '../../src/sources/csv-engine.js';
import { JsonArrayEngine, NdjsonEngine } from '../../src/sources/json-engine.js';
import { parseExactJson } from '../../src/sources/json-number.js';
import { FIXTURES, unmark } from '../helpers.js';

const SPECTRUM = join(FIXTURES, 'csv-spectrum');
const JSON_SUITE: { name: string; input: string }[] = JSON.parse(readFileSync(join(FIXTURES, 'json-test-suite', 'parsing.json'), 'utf8'));

/**
 * Cases where sagesync departs from the suite on purpose: a quote inside an
 * unquoted field is rejected (issue #7) rather than kept as text.
 */
const DELIBERATE_REJECTS = new Map([['location_coordinates', { line: 2, code: 'MALFORMED' }]]);

function feed<E extends { push(t: string): void; end(): void }>(engine: E, text: string, chunk: number): E {
  for (let i = 0; i < text.length; i += chunk) engine.push(text.slice(i, i + chunk));
  engine.end();
  return engine;
}

describe('csv-spectrum', () => {
  for (const file of readdirSync(join(SPECTRUM, 'csvs'))) {
    const name = file.replace(/\.csv$/, '');
    it(`${name} reads as the suite expects, in any chunk size`, () => {
      const text = readFileSync(join(SPECTRUM, 'csvs', file), 'utf8');
      const expected = JSON.parse(readFileSync(join(SPECTRUM, 'json', `${name}.json`), 'utf8'));
      for (const chunk of [1, 3, text.length]) {
        const { rows, problems } = feed(new CsvEngine({ delimiter: ',', maxRecordChars: 1 << 20 }), text, chunk).take();
        const [header, ...records] = rows;
        const deliberate = DELIBERATE_REJECTS.get(name);
        if (deliberate) {
          assert.deepEqual(problems.map((p) => ({ line: p.line, code: p.code })), [deliberate]);
          assert.deepEqual(records, []);
          continue;
        }
        assert.deepEqual(problems, []);
        assert.deepEqual(records.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))), expected);
      }
    });
  }
});

describe('JSONTestSuite parsing cases', () => {
  const accepted = JSON_SUITE.filter((c) => c.name.startsWith('y_'));
  const refused = JSON_SUITE.filter((c) => c.name.startsWith('n_'));

  it('has the cases it is meant to have', () => {
    assert.ok(accepted.length > 90 && refused.length > 180, `${accepted.length} y_, ${refused.length} n_`);
  });

  it('accepts every y_ document with the values JSON.parse gives', () => {
    for (const { name, input } of accepted) assert.deepEqual(unmark(parseExactJson(input)), JSON.parse(input), name);
  });

  it('refuses every n_ document', () => {
    for (const { name, input } of refused) assert.throws(() => parseExactJson(input), SyntaxError, name);
  });

  it('turns each single-line case into exactly one NDJSON record or reject', () => {
    for (const { name, input } of JSON_SUITE.filter((c) => !c.input.includes('\n'))) {
      const { objects, problems } = feed(new NdjsonEngine({ maxRecordChars: 1 << 20 }), input, 64).take();
      const blank = input.trim() === '';
      assert.equal(objects.length + problems.length, blank ? 0 : 1, name);
      if (name.startsWith('n_')) assert.equal(objects.length, 0, name);
      if (objects.length === 1) assert.deepEqual(unmark(objects[0]), JSON.parse(input), name);
    }
  });

  it('never accepts an n_ document as a complete JSON array of records', () => {
    for (const { name, input } of refused) {
      const engine = feed(new JsonArrayEngine({ maxRecordChars: 1 << 20 }), input, 64);
      const { problems } = engine.take();
      assert.ok(engine.fatal !== undefined || problems.length > 0, name);
    }
  });

  it('reads every y_ array of objects element by element', () => {
    for (const { name, input } of accepted) {
      const value: unknown = JSON.parse(input);
      if (!Array.isArray(value) || !value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) continue;
      const engine = feed(new JsonArrayEngine({ maxRecordChars: 1 << 20 }), input, 3);
      const { objects, problems } = engine.take();
      assert.equal(engine.fatal, undefined, name);
      assert.deepEqual(problems, [], name);
      assert.deepEqual(unmark(objects), value, name);
    }
  });
});
