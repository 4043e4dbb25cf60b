import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getAttr, serviceName, emptyScope, type Span } from '@sextant/core';

test('serviceName falls back to unknown_service', () => {
  const span = { resource: { attributes: [], droppedAttributesCount: 0, schemaUrl: '' } } as unknown as Span;
  assert.equal(serviceName(span), 'unknown_service');
  span.resource.attributes.push({ key: 'service.name', value: 'api' });
  assert.equal(serviceName(span), 'api');
  assert.equal(getAttr(span.resource.attributes, 'missing'), undefined);
  assert.equal(emptyScope().name, '');
});
