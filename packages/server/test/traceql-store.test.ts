// The TraceQL semantic table through a real DuckDB store: whatever the engine's pushdown narrows candidates to,
// the answers must equal the in-memory evaluator's, row for row (the pushed filter may only ever widen).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeZipkinV2, evaluateTrace, parseTraceQL } from '@sextant/core';
import { readFixtureText } from '../../../testing/fixtures.js';
import { DuckDBStore } from '../src/store/duckdb-store.js';
import { searchTraceQL } from '../src/api/traceql-engine.js';
import { HAND_TABLE, HAND_TRACE, nameOf } from '../../core/test/traceql-table.js';

let store: DuckDBStore;
const smartthings = decodeZipkinV2(JSON.parse(readFixtureText('zipkin/smartthings-mobile-web-install.json'))).items;

before(async () => {
  store = await DuckDBStore.open({ dataDir: null });
  await store.write(HAND_TRACE, []);
  await store.write(smartthings, []);
});
after(async () => {
  await store.close();
});

test('every row of the hand-built table gives the same spans through the DuckDB pushdown', async () => {
  for (const [text, expected] of HAND_TABLE) {
    const { matches } = await searchTraceQL(store, parseTraceQL(text), { limit: 10 });
    const hand = matches.filter((m) => m.spans[0].traceId === HAND_TRACE[0].traceId);
    const got = hand.flatMap((m) => m.spansets.flatMap((s) => s.nodes.map((i) => nameOf(m.spans[i].spanId))));
    assert.deepEqual(got.sort(), [...expected].sort(), text);
  }
});

test('structural queries on smartthings through the store match the evaluator on the decoded file', async () => {
  for (const text of [
    '{ name = "post /app-execute" } >> { status = error }',
    '{ status = error } ~ { resource.service.name = "execution" && kind = client }',
    '{ resource.service.name = "dove" } << { resource.service.name = "pusher" }',
    '{ kind = server && duration > 100ms } | count() > 2',
    '{ span.http.path =~ "/oauth.*" } &> { }',
  ]) {
    const { matches } = await searchTraceQL(store, parseTraceQL(text), { limit: 10 });
    const st = matches.find((m) => m.spans[0].traceId === smartthings[0].traceId);
    const expected = evaluateTrace(parseTraceQL(text), smartthings).spansets.flatMap((s) => s.nodes.map((i) => `${smartthings[i].spanId}/${smartthings[i].name}`)).sort();
    const got = (st?.spansets ?? []).flatMap((s) => s.nodes.map((i) => `${st!.spans[i].spanId}/${st!.spans[i].name}`)).sort();
    assert.ok(expected.length > 0, text);
    assert.deepEqual(got, expected, text);
  }
});
