import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getModel } from '../../src/schema/index.js';
import { csvFormatter } from '../../src/sinks/format.js';
import { CsvEngine } from '../../src/sources/csv-engine.js';
import { compileRowValidator, type Row } from '../../src/validate/compile.js';
import { KeyGuard } from '../../src/validate/keys.js';

const company = getModel('Company');
const columns = ['erpKey', 'companyName', 'isActive', 'parentCompanyErpKey'].map((name) => company.byName.get(name)!);

/** Validated rows of a CSV text, parsed with verbatim records kept, output in `columns`. */
function validate(text: string) {
  const engine = new CsvEngine({ delimiter: ',', maxRecordChars: 1 << 20, keepVerbatim: true });
  engine.push(text);
  engine.end();
  const { rows, lines, verbatim, problems } = engine.take();
  const validator = compileRowValidator(company, columns, rows[0], company.byName);
  return validator({ kind: 'rows', rows: rows.slice(1), lines: lines.slice(1), verbatim: verbatim!.slice(1), problems });
}

/** The line the formatter writes for a row's cells alone. */
const formatted = (row: Row): string => csvFormatter(columns).line([...row]);

describe('compileRowValidator, verbatim records', () => {
  const text = 'erpKey,companyName,isActive,parentCompanyErpKey\nC1,"Acme, ""the"" company",true,\nC2,Beta,TRUE,C1\n C3,Gamma,false,C1\n';

  it('gives a row the record text when its fields pass unchanged, which is the line its cells format to', () => {
    const { rows } = validate(text);
    assert.equal(rows[0].verbatim, 'C1,"Acme, ""the"" company",true,\n');
    assert.equal(formatted(rows[0]), rows[0].verbatim);
    assert.equal(csvFormatter(columns).line(rows[0]), rows[0].verbatim);
    // TRUE is written as true: the record is formatted from its cells.
    assert.equal(rows[1].verbatim, undefined);
    assert.equal(csvFormatter(columns).line(rows[1]), 'C2,Beta,true,C1\n');
    assert.equal(rows[2].verbatim, ' C3,Gamma,false,C1\n');
  });

  it('gives none when the output columns are not the input columns in their order', () => {
    const reordered = 'companyName,erpKey,isActive,parentCompanyErpKey\nAcme,C1,true,\n';
    const engine = new CsvEngine({ delimiter: ',', maxRecordChars: 1 << 20, keepVerbatim: true });
    engine.push(reordered);
    engine.end();
    const { rows, lines, verbatim, problems } = engine.take();
    assert.notEqual(verbatim![1], undefined);
    const out = compileRowValidator(company, columns, rows[0], company.byName)({ kind: 'rows', rows: rows.slice(1), lines: lines.slice(1), verbatim: verbatim!.slice(1), problems });
    assert.equal(out.rows[0].verbatim, undefined);
    assert.equal(csvFormatter(columns).line(out.rows[0]), 'C1,Acme,true,\n');
    const narrower = compileRowValidator(company, columns.slice(0, 3), ['erpKey', 'companyName', 'isActive', 'website'], company.byName);
    const wide = narrower({ kind: 'rows', rows: [['C1', 'Acme', 'true', 'x']], lines: [2], verbatim: ['C1,Acme,true,x\n'], problems: [] });
    assert.equal(wide.rows[0].verbatim, undefined);
  });

  it('loses it when the key check changes a key (--normalize-keys), and keeps it when the check only reports', () => {
    const reported = validate(text);
    new KeyGuard(company, columns, false).apply(reported);
    assert.equal(reported.rows[2].verbatim, ' C3,Gamma,false,C1\n');
    const normalized = validate(text);
    new KeyGuard(company, columns, true).apply(normalized);
    assert.equal(normalized.rows[2].verbatim, undefined);
    assert.equal(csvFormatter(columns).line(normalized.rows[2]), 'C3,Gamma,false,C1\n');
    assert.equal(normalized.rows[0].verbatim, 'C1,"Acme, ""the"" company",true,\n');
  });
});
