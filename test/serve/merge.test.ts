import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getModel, type Model } from '../../src/schema/index.js';
import { compileIdentity, mergeRecord } from '../../src/serve/merge.js';

function values(model: Model, record: Record<string, string | null>) {
  return new Map(Object.entries(record).map(([k, v]) => [model.byName.get(k)!, v]));
}

describe('identity and merge of the local sync service', () => {
  it('keys a model by its declared identity, using the first present alternative', () => {
    const history = getModel('FinancialAccountBalanceHistory');
    const identity = compileIdentity(history);
    const byKey = identity(values(history, { financialAccountErpKey: 'A1', financialAccountCode: '4000', financialYear: '2024', periodNumber: '3' }));
    const byCode = identity(values(history, { financialAccountErpKey: null, financialAccountCode: '4000', financialYear: '2024', periodNumber: '3' }));
    assert.notEqual(byKey, byCode);
    assert.equal(identity(values(history, { financialAccountCode: '4000', financialYear: '2024', periodNumber: '4' })) === byCode, false);
    assert.equal(identity(values(history, { financialYear: '2024', periodNumber: '3' })), undefined);
  });

  it('treats a model without identity as a history log when it references records, else as one value', () => {
    const status = getModel('InvoiceWorkflowStatus');
    const log = compileIdentity(status);
    assert.notEqual(log(values(status, { invoiceErpKey: 'I1', code: 'SENT' })), log(values(status, { invoiceErpKey: 'I1', code: 'PAID' })));
    assert.equal(log(values(status, { invoiceErpKey: 'I1', code: 'SENT' })), log(values(status, { invoiceErpKey: 'I1', code: 'SENT' })));
    const currency = getModel('BaseCurrency');
    assert.equal(compileIdentity(currency)(values(currency, { baseCurrencyCode: 'USD' })), compileIdentity(currency)(values(currency, { baseCurrencyCode: 'EUR' })));
  });

  it('overwrites supplied fields, keeps the others, and clears on null', () => {
    const company = getModel('Company');
    const stored = { erpKey: 'C1', companyName: 'Old', city: 'Paris', country: 'FR' };
    const merged = mergeRecord(company, stored, values(company, { erpKey: 'C1', companyName: 'New', country: null }));
    assert.deepEqual(merged, { erpKey: 'C1', companyName: 'New', city: 'Paris' });
  });
});
