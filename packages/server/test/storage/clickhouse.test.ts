// The storage conformance suite on ClickHouse: the real engine through chdb, in this process. chdb binds one data
// directory per process, so each store the suite opens is a database of its own on one engine (the suite's
// directory names the database: reopening it is a restart).
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { AttrValue, KeyValue, LogRecord, Span } from '@sextant/core';
import { clickhouseEngine } from '../../src/storage/clickhouse/engine.js';
import { chdbMissing } from '../support/chdb.js';
import { runConformance } from './conformance.js';
import { runTraceQLConformance } from './traceql-conformance.js';

const engineDir = mkdtempSync(join(tmpdir(), 'sextant-conformance-clickhouse-'));
after(() => rmSync(engineDir, { recursive: true, force: true }));

/**
 * The exporter's Map(String, String) holds each value as text: arrays and maps as JSON, bytes as base64. Bools,
 * ints and doubles come back typed, from Sextant's record of each key's type (sextant_attribute_types).
 */
function text(v: AttrValue): AttrValue {
  if (typeof v === 'string' || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v === null) return '';
  const json = (x: AttrValue): unknown =>
    x instanceof Uint8Array ? Buffer.from(x).toString('base64')
      : Array.isArray(x) ? x.map(json)
        : x !== null && typeof x === 'object' ? Object.fromEntries(x.kvlist.map((kv) => [kv.key, json(kv.value)]))
          : typeof x === 'bigint' ? Number(x) : x;
  return JSON.stringify(json(v));
}
const attrs = (list: KeyValue[]) => list.map((kv) => ({ key: kv.key, value: text(kv.value) }));

/** What otel_traces keeps of a span: no flags, dropped counts, scope attributes or schema URLs. */
function span(s: Span): Span {
  return {
    ...s,
    flags: 0,
    attributes: attrs(s.attributes),
    droppedAttributesCount: 0,
    events: s.events.map((e) => ({ ...e, attributes: attrs(e.attributes), droppedAttributesCount: 0 })),
    droppedEventsCount: 0,
    links: s.links.map((l) => ({ ...l, attributes: attrs(l.attributes), droppedAttributesCount: 0, flags: 0 })),
    droppedLinksCount: 0,
    resource: { attributes: attrs(s.resource.attributes), droppedAttributesCount: 0, schemaUrl: '' },
    scope: { name: s.scope.name, version: s.scope.version, attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
  };
}

/** What otel_logs keeps: one timestamp, the body and attributes as text, no dropped counts. */
const logText = (v: AttrValue): string => (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : (text(v) as string));
const logAttrs = (list: KeyValue[]) => list.map((kv) => ({ key: kv.key, value: logText(kv.value) }));
function log(l: LogRecord): LogRecord {
  const time = l.timeUnixNano !== 0n ? l.timeUnixNano : l.observedTimeUnixNano;
  return {
    ...l,
    timeUnixNano: time,
    observedTimeUnixNano: time,
    body: logText(l.body),
    attributes: logAttrs(l.attributes),
    droppedAttributesCount: 0,
    flags: l.flags & 0xff,
    resource: { ...l.resource, attributes: logAttrs(l.resource.attributes), droppedAttributesCount: 0 },
    scope: { ...l.scope, attributes: logAttrs(l.scope.attributes), droppedAttributesCount: 0 },
  };
}

if (chdbMissing) {
  const { test } = await import('node:test');
  test('ClickHouse conformance', { skip: chdbMissing }, () => undefined);
} else {
  const open = (dir: string) =>
    clickhouseEngine.open({
      url: `chdb:${engineDir}?database=${basename(dir).replace(/\W/g, '_')}`,
      retentionNano: null,
      maxSizeBytes: null,
      retentionIntervalMs: 60_000,
      background: false,
    });
  runConformance('clickhouse', {
    open,
    encoder: () => clickhouseEngine.createEncoder(),
    stored: { span, log },
    retentionByEngine: true,
  });
  runTraceQLConformance('clickhouse', { open, stored: { span, log } });
}
