import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundaryOf, MultipartError, MultipartScanner } from '../../src/serve/multipart.js';

function body(boundary: string, file: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="b.zip"\r\nContent-Type: application/zip\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

function scan(boundary: string, chunks: Buffer[]) {
  const scanner = new MultipartScanner(boundary);
  const data: Buffer[] = [];
  const files: string[] = [];
  for (const chunk of chunks) {
    for (const e of scanner.push(chunk)) {
      if (e.kind === 'file') files.push(e.filename);
      if (e.kind === 'data') data.push(Buffer.from(e.bytes));
    }
  }
  scanner.end();
  return { files, data: Buffer.concat(data) };
}

describe('MultipartScanner', () => {
  it('reads the boundary of a form content type', () => {
    assert.equal(boundaryOf('multipart/form-data; boundary=abc'), 'abc');
    assert.equal(boundaryOf('multipart/form-data; boundary="a b"'), 'a b');
    assert.equal(boundaryOf('application/json'), undefined);
  });

  it('returns the file part exactly wherever the chunks are cut', () => {
    // Bytes that resemble the delimiter test the held-back tail.
    const file = Buffer.from('PK\x03\x04 data \r\n--boun not quite \r\n-- end \r\n--', 'latin1');
    const whole = body('bound', file);
    for (let cut = 1; cut < whole.length; cut++) {
      const { files, data } = scan('bound', [whole.subarray(0, cut), whole.subarray(cut)]);
      assert.deepEqual(files, ['b.zip']);
      assert.ok(data.equals(file), `cut at ${cut}`);
    }
    const bytewise = scan('bound', [...whole].map((b) => Buffer.from([b])));
    assert.ok(bytewise.data.equals(file));
  });

  it('throws on a body without its closing delimiter', () => {
    const scanner = new MultipartScanner('bound');
    scanner.push(Buffer.from('--bound\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\npartial'));
    assert.throws(() => scanner.end(), MultipartError);
  });
});
