import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvEngine } from '../../src/sources/csv-engine.js';

function parseAll(text: string, options: { chunk?: number; expectedFields?: number; maxRecordChars?: number; keepVerbatim?: boolean; delimiter?: string } = {}) {
  const engine = new CsvEngine({ delimiter: options.delimiter ?? ',', maxRecordChars: options.maxRecordChars ?? 1 << 20, keepVerbatim: options.keepVerbatim });
  engine.expectedFields = options.expectedFields ?? 0;
  const step = options.chunk ?? text.length;
  for (let i = 0; i < text.length; i += step) engine.push(text.slice(i, i + step));
  engine.end();
  return engine.take();
}

describe('CsvEngine', () => {
  it('splits plain records and numbers their lines, skipping blank lines', () => {
    const out = parseAll('a,b\n1,2\n\n3,4');
    assert.deepEqual(out.rows, [['a', 'b'], ['1', '2'], ['3', '4']]);
    assert.deepEqual(out.lines, [1, 2, 4]);
  });
  it('accepts CRLF line ends', () => {
    const out = parseAll('a,b\r\n1,2\r\n"x",y\r\n');
    assert.deepEqual(out.rows, [['a', 'b'], ['1', '2'], ['x', 'y']]);
  });
  it('keeps quoted commas, quotes and newlines, and reports the start line', () => {
    const out = parseAll('h1,h2\n"a,b","say ""hi"""\n"multi\nline\nvalue",z\nlast,one\n');
    assert.deepEqual(out.rows.slice(1), [['a,b', 'say "hi"'], ['multi\nline\nvalue', 'z'], ['last', 'one']]);
    assert.deepEqual(out.lines, [1, 2, 3, 6]);
  });
  it('gives the same result whatever the chunk size', () => {
    const text = 'h1,h2,h3\r\n"a\r\nb",2,3\r\n4,"5,5",6\r\n"",,"x"""\r\n';
    const whole = parseAll(text);
    for (const chunk of [1, 2, 3, 5, 7]) assert.deepEqual(parseAll(text, { chunk }), whole, `chunk ${chunk}`);
  });
  it('rejects an unterminated quote at the end and keeps the records before it', () => {
    const out = parseAll('h1,h2\n1,2\n"open,3\n');
    assert.deepEqual(out.rows, [['h1', 'h2'], ['1', '2']]);
    assert.equal(out.problems.length, 1);
    assert.equal(out.problems[0].line, 3);
    assert.equal(out.problems[0].code, 'MALFORMED');
  });
  it('resynchronises on the next line after a stray quote in the middle', () => {
    const out = parseAll('h1,h2,h3\n1,"broken,3\n2,ok,4\n3,"x",5\n', { expectedFields: 3 });
    assert.deepEqual(out.rows.slice(1), [['2', 'ok', '4'], ['3', 'x', '5']]);
    assert.deepEqual(out.lines.slice(1), [3, 4]);
    assert.equal(out.problems.length, 1);
    assert.equal(out.problems[0].line, 2);
  });
  it('rejects a quote inside an unquoted field and text after a closing quote', () => {
    const out = parseAll('h1,h2\nab"c,1\n"ab"c,2\nfine,3\n');
    assert.deepEqual(out.rows.slice(1), [['fine', '3']]);
    assert.deepEqual(out.problems.map((p) => p.line), [2, 3]);
  });
  it('caps a record that never ends, without swallowing the file', () => {
    const long = 'x'.repeat(5000);
    const out = parseAll(`h\n"${long}\nnext\n`, { maxRecordChars: 1000, chunk: 512 });
    assert.equal(out.problems.length, 1);
    assert.equal(out.problems[0].line, 2);
    assert.deepEqual(out.rows, [['h'], ['next']]);
  });
  it('rejects an over-long unquoted line and goes on', () => {
    const out = parseAll(`h\n${'y'.repeat(3000)}\nnext\n`, { maxRecordChars: 1000, chunk: 256 });
    assert.equal(out.problems[0].code, 'TOO_LARGE');
    assert.equal(out.problems[0].line, 2);
    assert.deepEqual(out.rows, [['h'], ['next']]);
    assert.deepEqual(out.lines, [1, 3]);
  });

  describe('verbatim records', () => {
    const verbatim = (text: string, options: { chunk?: number } = {}) => parseAll(text, { ...options, keepVerbatim: true }).verbatim;

    it('keeps the text of records quoted as the CSV output quotes them, line feed included', () => {
      const text = 'a,b,c\n1,,x y\n"a,b","say ""hi""","multi\nline"\n"   ",z,\n';
      const kept = ['a,b,c\n', '1,,x y\n', '"a,b","say ""hi""","multi\nline"\n', '"   ",z,\n'];
      assert.deepEqual(verbatim(text), kept);
      for (const chunk of [1, 2, 3, 7]) assert.deepEqual(verbatim(text, { chunk }), kept, `chunk ${chunk}`);
    });
    it('keeps nothing for a record the output would write otherwise', () => {
      const cases: [string, string][] = [
        ['a,b\r\n', 'a CRLF line end'],
        ['a,b', 'no line feed at the end of the file'],
        ['"a,b",c', 'a quoted record with no line feed at the end of the file'],
        ['"a",b\n', 'quotes the output leaves off'],
        ['"",b\n', 'an empty quoted field'],
        ['a,"b,c"\r\n', 'a quoted record with a CRLF line end'],
        ['a\rb,c\n', 'a carriage return in an unquoted field'],
        ['"a\rb",c\r\n', 'a carriage return in a quoted field and a CRLF line end'],
        ['  ,b\n', 'an unquoted field of blanks, which the output quotes'],
        ['"x,y",\u00a0\n', 'an unquoted field of a no-break space in a quoted record'],
      ];
      for (const [text, what] of cases) {
        const out = parseAll(text, { keepVerbatim: true });
        assert.equal(out.rows.length, 1, what);
        assert.deepEqual(out.verbatim, [undefined], what);
      }
    });
    it('keeps the blanks inside a field that is not blank only', () => {
      assert.deepEqual(verbatim(' a ,b\n"x,y", c\n'), [' a ,b\n', '"x,y", c\n']);
    });
    it('keeps nothing with another delimiter, or unless asked', () => {
      assert.equal(parseAll('a;b\n', { keepVerbatim: true, delimiter: ';' }).verbatim, undefined);
      assert.equal(parseAll('a,b\n').verbatim, undefined);
    });
  });
});
