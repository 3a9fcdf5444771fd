import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { ALL_MODELS, type Field, type Model } from '../../src/schema/index.js';
import { PROTO_PACKAGE, protoMessageName, protoText } from '../../src/schema/proto.js';
import { runCli } from '../helpers.js';

const WIRE_TYPES: Record<string, string> = { decimal: 'string', datetime: 'string', monthDay: 'string', json: 'string', uuid: 'string', string: 'string', int: 'int32', boolean: 'bool' };

describe('the .proto derived from the schema', () => {
  it('has one message per model and every field, numbered in schema order, decimals and dates as strings', () => {
    const { root } = protobuf.parse(protoText(), { keepCase: true });
    for (const model of ALL_MODELS) {
      const type = root.lookupType(`${PROTO_PACKAGE}.${protoMessageName(model)}`);
      assert.deepEqual(
        type.fieldsArray.map((f) => [f.name, f.id, f.type]),
        model.fields.map((f) => [f.name, f.index + 1, WIRE_TYPES[f.type]]),
        model.name,
      );
      for (const field of type.fieldsArray) assert.ok(field.options?.proto3_optional ?? field.partOf, `${model.name}.${field.name} keeps presence`);
    }
  });

  it('follows the schema: a field added to a model appears with the next number', () => {
    const extended: Model[] = ALL_MODELS.map((model) => {
      if (model.name !== 'InvoiceLine') return model;
      const added: Field = { name: 'carbonFootprintKg', type: 'decimal', index: model.fields.length, mustBePresent: false };
      return { ...model, fields: [...model.fields, added] };
    });
    const text = protoText(extended);
    const { root } = protobuf.parse(text, { keepCase: true });
    const line = root.lookupType(`${PROTO_PACKAGE}.InvoiceLineSyncModel`);
    assert.equal(line.fields.carbonFootprintKg.id, ALL_MODELS.find((m) => m.name === 'InvoiceLine')!.fields.length + 1);
    assert.equal(line.fields.carbonFootprintKg.type, 'string');
    assert.deepEqual(
      line.fieldsArray.slice(0, -1).map((f) => f.id),
      protobuf.parse(protoText(), { keepCase: true }).root.lookupType(`${PROTO_PACKAGE}.InvoiceLineSyncModel`).fieldsArray.map((f) => f.id),
      'existing numbers never move',
    );
  });

  it('sagesync proto prints it', async () => {
    const result = await runCli(['proto']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, protoText());
  });
});
