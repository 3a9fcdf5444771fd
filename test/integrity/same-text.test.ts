import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sameText } from '../../src/integrity/same-text.js';

describe('sameText', () => {
  it('agrees with === on slices of a file, whatever part differs', () => {
    const file = 'fa20b8cd-7031-1208-518a-168a62679693,fa20b8cd-7031-1208-518a-168a62679693,fa20b8cd-7031-1208-518a-168a62679694,xa20b8cd-7031-1208-518a-168a62679693';
    const [a, b, lastDiffers, firstDiffers] = file.split(',');
    assert.equal(sameText(a, b), true);
    assert.equal(sameText(a, lastDiffers), false);
    assert.equal(sameText(a, firstDiffers), false);
    assert.equal(sameText(a, a.slice(0, 35)), false);
    assert.equal(sameText(a, undefined), false);
    assert.equal(sameText('', ''), true);
  });
});
