// The whole demo against a real Sextant: nine processes exporting through the real OpenTelemetry SDK to the
// real OTLP/HTTP receiver, real DuckDB files, real load. For each fault scenario the test plants the fault,
// drives traffic, and checks that Sextant's analysis names the planted cause, as a learner would find it.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startSextant, type RunningSextant } from '@sextant/server';
import { runLoad, startDemo, type RunningDemo, type ScenarioName } from '../src/index.js';
import { launchChromium } from '../../../testing/chromium.js';

interface Window {
  start: bigint;
  end: bigint;
}

interface TraceSummary {
  traceId: string;
  rootService: string;
  rootName: string;
  errorCount: number;
  services: { name: string; spanCount: number; errorCount: number }[];
}

interface Analysis {
  durationNano: string;
  rootSpanIds: string[];
  criticalPath: { spanId: string; startUnixNano: string; endUnixNano: string; service: string; operation: string }[];
  errors: { errorSpanIds: string[]; rootCauseSpanIds: string[] };
  quality: { check: string; spanIds: string[] }[];
  nPlusOne: { service: string; operation: string; statement?: string; count: number; pattern: string }[];
  dependencies: { parent: string; child: string }[];
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}

interface SpanView {
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  service: string;
  start: bigint;
  end: bigint;
  attributes: Record<string, string | number | boolean | undefined>;
}

const QUERY_SEARCH = 'SELECT id, name, price FROM products WHERE lower(name) LIKE ? ORDER BY name LIMIT 20';
const QUERY_ITEM = 'SELECT name, price FROM products WHERE id = ?';
const nowNano = () => BigInt(Date.now()) * 1_000_000n;
/** OTLP's SPAN_KIND_CLIENT. */
const CLIENT = 3;

describe('the demo shop, traced by Sextant', { timeout: 200_000 }, () => {
  let sextant: RunningSextant | undefined;
  let demo: RunningDemo | undefined;
  let api = '';
  let baseline: Window;

  async function get<T>(path: string): Promise<T> {
    const res = await fetch(`${api}${path}`);
    if (res.status !== 200) assert.fail(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** Waits until Sextant has stopped receiving spans (the SDKs export in batches, the worker runs after the answer). */
  async function settle(): Promise<void> {
    let last = -1;
    for (let stable = 0; stable < 3; ) {
      await sleep(400);
      const { spans } = await get<{ spans: number | string }>('/api/v1/stats');
      stable = Number(spans) === last ? stable + 1 : 0;
      last = Number(spans);
    }
  }

  function searchQuery(w: Window, filters: Record<string, string>): string {
    return new URLSearchParams({ ...filters, start: String(w.start), end: String(w.end), limit: '1000' }).toString();
  }

  async function traces(w: Window, filters: Record<string, string>): Promise<TraceSummary[]> {
    return (await get<{ traces: TraceSummary[] }>(`/api/v1/traces?${searchQuery(w, filters)}`)).traces;
  }

  const analysis = (traceId: string) => get<Analysis>(`/api/v1/traces/${traceId}/analysis`);

  async function spans(traceId: string): Promise<Map<string, SpanView>> {
    const doc = await get<{
      resourceSpans: {
        resource: { attributes: { key: string; value: OtlpValue }[] };
        scopeSpans: {
          spans: { spanId: string; parentSpanId?: string; name: string; kind: number; startTimeUnixNano: string; endTimeUnixNano: string; attributes?: { key: string; value: OtlpValue }[] }[];
        }[];
      }[];
    }>(`/api/v1/traces/${traceId}`);
    const value = (v: OtlpValue) => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.boolValue ?? v.doubleValue;
    const out = new Map<string, SpanView>();
    for (const rs of doc.resourceSpans) {
      const service = String(value(rs.resource.attributes.find((a) => a.key === 'service.name')!.value));
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          const attributes = Object.fromEntries((s.attributes ?? []).map((a) => [a.key, value(a.value)]));
          const [start, end] = [BigInt(s.startTimeUnixNano), BigInt(s.endTimeUnixNano)];
          out.set(s.spanId, { spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind, service, start, end, attributes });
        }
      }
    }
    return out;
  }

  /**
   * Runs the load with `scenario` on, in slices, until `enough` says the window holds what the test needs (at
   * most five slices), then switches back to normal and waits for the last spans.
   */
  async function phase(scenario: ScenarioName, enough: (w: Window) => Promise<boolean>): Promise<Window> {
    await demo!.setScenario(scenario);
    const start = nowNano();
    let w: Window = { start, end: start };
    for (let slice = 0; slice < 5; slice++) {
      const stats = await runLoad({ gatewayUrl: demo!.gatewayUrl, durationMs: 2500, concurrency: 2 });
      assert.ok(stats.requests > 0, 'the load generator reached the gateway');
      w = { start, end: nowNano() };
      await settle();
      if (await enough(w)) break;
    }
    await demo!.setScenario('none');
    return w;
  }

  const atLeast = (n: number, filters: Record<string, string>) => async (w: Window) => (await traces(w, filters)).length >= n;

  /** Critical-path time per span, largest first. */
  function criticalTimes(a: Analysis): { spanId: string; service: string; operation: string; nano: bigint }[] {
    const bySpan = new Map<string, { spanId: string; service: string; operation: string; nano: bigint }>();
    for (const s of a.criticalPath) {
      const row = bySpan.get(s.spanId) ?? { spanId: s.spanId, service: s.service, operation: s.operation, nano: 0n };
      row.nano += BigInt(s.endUnixNano) - BigInt(s.startUnixNano);
      bySpan.set(s.spanId, row);
    }
    return [...bySpan.values()].sort((x, y) => (x.nano > y.nano ? -1 : x.nano < y.nano ? 1 : 0));
  }

  before(async () => {
    sextant = await startSextant({ memory: true, host: '127.0.0.1', port: 0, otlpGrpcPort: 0, otlpHttpPort: 0, zipkinPort: 0, uiDir: null });
    api = sextant.urls.api;
    demo = await startDemo({ otlpEndpoint: sextant.urls.otlpHttp!, env: { OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BLRP_SCHEDULE_DELAY: '200' } });
  });

  after(async () => {
    await demo?.stop();
    await sextant?.close();
  });

  test('normal operation: one trace per request, across HTTP and the queue, and a complete service map', async () => {
    baseline = await phase('none', atLeast(2, { service: 'gateway', operation: 'POST /api/checkout' }));
    const checkouts = await traces(baseline, { service: 'gateway', operation: 'POST /api/checkout' });
    assert.ok(checkouts.length >= 2);
    const trace = checkouts[0];
    assert.equal(trace.rootService, 'gateway');
    const services = trace.services.map((s) => s.name).sort();
    assert.deepEqual(services, ['auth', 'cart', 'checkout', 'gateway', 'payments', 'worker'], 'the worker joined the trace through the message headers');
    const all = await spans(trace.traceId);
    const consumer = [...all.values()].find((s) => s.name === 'process orders')!;
    const producer = all.get(consumer.parentSpanId)!;
    assert.equal(producer.name, 'send orders');
    assert.equal(producer.service, 'checkout');
    assert.equal(producer.attributes['messaging.destination.name'], 'orders');
    // Database calls are CLIENT spans, as the semantic conventions ask, and so are cache calls (below).
    const queries = [...all.values()].filter((s) => s.attributes['db.system.name'] === 'duckdb');
    assert.ok(queries.some((q) => q.service === 'worker'), 'the worker stored the order');
    for (const q of queries) assert.equal(q.kind, CLIENT, `${q.service} ${q.name} is a CLIENT span`);
    // Start times carry sub-millisecond digits (OTel JS stamps whole milliseconds; @sextant/node corrects it), so
    // a called server starts inside its caller's client span. (Ends are not compared: a server span ends when its
    // process gets round to the response's 'finish' event, which on a busy machine can be after the caller read it.)
    const fractional = [...all.values()].filter((s) => s.start % 1_000_000n !== 0n).length;
    assert.ok(fractional >= all.size - 1, `span starts are not rounded to whole milliseconds (${fractional} of ${all.size})`);
    for (const s of all.values()) {
      const parent = all.get(s.parentSpanId);
      if (parent?.kind === CLIENT) assert.ok(s.start >= parent.start, `${s.service} ${s.name} starts after its caller ${parent.service} ${parent.name}`);
    }
    // The services log through pino; @sextant/node correlates each line with its span and sends it over OTLP.
    const logs = await get<{ resourceLogs: { scopeLogs: { logRecords: { spanId?: string; body?: { stringValue?: string } }[] }[] }[] }>(`/api/v1/traces/${trace.traceId}/logs`);
    const records = logs.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords));
    const lines = records.map((r) => r.body?.stringValue ?? '');
    for (const line of ['GET /verify answered 200', 'POST /api/checkout answered 201', 'POST /charges answered 201']) assert.ok(lines.includes(line), `'${line}' in ${lines.join(' | ')}`);
    assert.ok(records.every((r) => r.spanId && all.has(r.spanId)), 'every line names a span of the trace');

    const a = await analysis(trace.traceId);
    assert.deepEqual(a.quality, [], 'no instrumentation problems in normal operation');
    assert.deepEqual(a.errors.errorSpanIds, []);

    const carts = await traces(baseline, { service: 'gateway', operation: 'GET /api/cart' });
    assert.ok(carts.length > 0);
    assert.deepEqual((await analysis(carts[0].traceId)).nPlusOne, [], 'the cart loads its items with one join');

    const cacheReads = await traces(baseline, { service: 'catalog', operation: 'cache get' });
    assert.ok(cacheReads.length > 0, 'the catalog read through the cache');
    const cacheSpans = [...(await spans(cacheReads[0].traceId)).values()].filter((s) => s.name.startsWith('cache '));
    assert.ok(cacheSpans.length > 0);
    for (const c of cacheSpans) assert.equal(c.kind, CLIENT, `${c.name} is a CLIENT span`);

    // The service map: services that call each other (the API aggregates the window), and the databases, the
    // cache and the broker as virtual nodes, named by the leaf CLIENT (and PRODUCER) spans that call them.
    const map = await get<{ nodes: { service: string; virtual: boolean }[]; edges: { parent: string; child: string }[] }>(
      `/api/v1/dependencies?start=${baseline.start}&end=${baseline.end}`,
    );
    const edges = new Set(map.edges.map((e) => `${e.parent}->${e.child}`));
    for (const edge of [
      'gateway->auth', 'gateway->catalog', 'gateway->cart', 'gateway->checkout', 'checkout->cart', 'checkout->payments',
      'catalog->cache', 'catalog->catalog-db', 'cart->cart-db', 'worker->orders-db', 'checkout->demo-broker',
    ]) {
      assert.ok(edges.has(edge), `the service map has ${edge}: ${[...edges].join(', ')}`);
    }
    const virtual = map.nodes.filter((n) => n.virtual).map((n) => n.service).sort();
    assert.deepEqual(virtual, ['cache', 'cart-db', 'catalog-db', 'demo-broker', 'orders-db'], 'uninstrumented parts are virtual nodes');
    // ...and, in one trace's analysis, the uninstrumented parts named by the spans: databases, the broker.
    const links = new Set(a.dependencies.map((d) => `${d.parent}->${d.child}`));
    for (const edge of ['checkout->demo-broker', 'demo-broker->worker', 'cart->cart-db', 'worker->orders-db']) {
      assert.ok(links.has(edge), `the trace's dependencies have ${edge}: ${[...links].join(', ')}`);
    }
  });

  test('the control page switches the scenario in every process', async () => {
    const browser = await launchChromium({ name: 'demo-control' });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${demo!.gatewayUrl}/`);
      await page.getByText('Current scenario: none').waitFor();
      await page.click('button[data-scenario="cache-outage"]');
      await page.getByText('Current scenario: cache-outage').waitFor();
      assert.equal(await page.getAttribute('button[data-scenario="cache-outage"]', 'aria-pressed'), 'true');
      assert.equal(demo!.scenario(), 'cache-outage', 'the launcher switched');
      const cache = await fetch(`${demo!.urls.cache}/keys/anything`);
      assert.equal(cache.status, 503, 'the cache process switched too');
    } finally {
      await browser.close();
    }
    const refused = await fetch(`${demo!.gatewayUrl}/control/scenario`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenario: 'no-such-fault' }),
    });
    assert.equal(refused.status, 400);
    await demo!.setScenario('none');
    assert.deepEqual(((await (await fetch(`${demo!.gatewayUrl}/control/scenario`)).json()) as { scenario: string }).scenario, 'none');
  });

  test('n-plus-one: the per-item cart query is the N+1 finding and the first structural difference', async () => {
    const carts = { service: 'gateway', operation: 'GET /api/cart' };
    const w = await phase('n-plus-one', atLeast(3, carts));
    const found = await traces(w, carts);
    assert.ok(found.length >= 3);
    for (const t of found) {
      const [first] = (await analysis(t.traceId)).nPlusOne;
      assert.ok(first, `trace ${t.traceId} has an N+1 finding`);
      assert.equal(first.service, 'cart');
      assert.equal(first.statement, QUERY_ITEM);
      assert.equal(first.pattern, 'sequential');
      assert.ok(first.count >= 5, `one query per item (${first.count})`);
    }
    const selection = encodeURIComponent(searchQuery(w, carts));
    const rest = encodeURIComponent(searchQuery(baseline, carts));
    const cohort = await get<{ structure: { path: string; selectionMeanCount: number; baselineMeanCount: number }[] }>(
      `/api/v1/cohort?selection=${selection}&baseline=${rest}`,
    );
    const [top] = cohort.structure;
    assert.ok(top, 'the cohorts differ in structure');
    assert.match(top.path, /cart:GET \/carts\/:user \/ cart:SELECT products$/);
    assert.ok(top.selectionMeanCount >= 5 && top.baselineMeanCount === 0, JSON.stringify(top));
  });

  test('slow-db: the slow search query dominates the critical path', async () => {
    const searches = { service: 'gateway', operation: 'GET /api/search' };
    const w = await phase('slow-db', atLeast(3, searches));
    const found = await traces(w, searches);
    assert.ok(found.length >= 3);
    for (const t of found) {
      const a = await analysis(t.traceId);
      const [top] = criticalTimes(a);
      const span = (await spans(t.traceId)).get(top.spanId)!;
      assert.equal(span.service, 'catalog');
      assert.equal(span.name, 'SELECT products');
      assert.equal(span.attributes['db.query.text'], QUERY_SEARCH);
      assert.ok(top.nano * 2n > BigInt(a.durationNano), `the query is more than half of the trace (${top.nano} of ${a.durationNano} ns)`);
    }
    const selection = encodeURIComponent(searchQuery(w, searches));
    const rest = encodeURIComponent(searchQuery(baseline, searches));
    const cohort = await get<{ criticalPath: { service: string; operation: string; deltaNano: number }[] }>(
      `/api/v1/cohort?selection=${selection}&baseline=${rest}`,
    );
    assert.deepEqual(
      { service: cohort.criticalPath[0].service, operation: cohort.criticalPath[0].operation },
      { service: 'catalog', operation: 'SELECT products' },
      'the critical-path time that grew most is the catalog query',
    );
  });

  test('payments-5xx: payments is the root cause, and checkout retries hide most failures', async () => {
    const failing = { service: 'payments', status: 'error' };
    const w = await phase('payments-5xx', atLeast(2, failing));
    const found = await traces(w, failing);
    assert.ok(found.length >= 2);
    let recovered = 0;
    for (const t of found) {
      const a = await analysis(t.traceId);
      const all = await spans(t.traceId);
      assert.ok(a.errors.rootCauseSpanIds.length > 0);
      for (const id of a.errors.rootCauseSpanIds) {
        const span = all.get(id)!;
        assert.deepEqual({ service: span.service, name: span.name }, { service: 'payments', name: 'charge-card' });
      }
      const root = all.get(a.rootSpanIds[0])!;
      const attempts = [...all.values()].filter((s) => s.name === 'charge-payment').length;
      if (root.attributes['http.response.status_code'] === 201) {
        recovered++;
        assert.ok(attempts >= 2, 'a checkout that succeeded despite a failed charge retried it');
      }
    }
    assert.ok(recovered > 0, 'some checkouts succeeded on a retry');
  });

  test('lost-traceparent: payments lands in traces of its own, rooted in checkout', async () => {
    const w = await phase('lost-traceparent', atLeast(2, { service: 'payments' }));
    const orphans = await traces(w, { service: 'payments' });
    assert.ok(orphans.length >= 2);
    for (const t of orphans) {
      assert.equal(t.rootService, 'checkout', 'the trace starts at the call that lost its context');
      assert.deepEqual(t.services.map((s) => s.name).sort(), ['checkout', 'payments']);
    }
    const checkouts = await traces(w, { service: 'gateway', operation: 'POST /api/checkout' });
    assert.ok(checkouts.length > 0);
    for (const t of checkouts) assert.ok(!t.services.some((s) => s.name === 'payments'), 'the checkout trace lost its payments part');
    const before = await traces(baseline, { service: 'payments' });
    assert.ok(before.length > 0 && before.every((t) => t.rootService === 'gateway'), 'with propagation intact, payments is inside the checkout trace');
  });

  test('cache-outage: database queries move onto the critical path where cache reads were', async () => {
    const details = { service: 'gateway', operation: 'GET /api/products/:id' };
    // A fresh normal period with a warm cache is the baseline: product details come from the cache.
    const before = await phase('none', atLeast(5, details));
    const w = await phase('cache-outage', atLeast(5, details));
    const found = await traces(w, details);
    assert.ok(found.length >= 5);
    let dbOnPath = 0;
    for (const t of found) {
      const a = await analysis(t.traceId);
      const all = [...(await spans(t.traceId)).values()];
      assert.ok(all.some((s) => s.service === 'catalog' && s.name === 'SELECT products'), `trace ${t.traceId} read the database`);
      const causes = a.errors.rootCauseSpanIds.map((id) => all.find((s) => s.spanId === id)!.name);
      assert.ok(causes.length > 0 && causes.every((n) => n === 'cache get' || n === 'cache set'), `the failing cache calls are the errors: ${causes.join(', ')}`);
      if (a.criticalPath.some((s) => s.service === 'catalog' && s.operation === 'SELECT products')) dbOnPath++;
    }
    assert.ok(dbOnPath > 0, 'the database query is on the critical path');

    const selection = encodeURIComponent(searchQuery(w, details));
    const normal = encodeURIComponent(searchQuery(before, details));
    const cohort = await get<{ criticalPath: { service: string; operation: string; selectionShare: number; baselineShare: number }[] }>(
      `/api/v1/cohort?selection=${selection}&baseline=${normal}`,
    );
    const row = (operation: string) => cohort.criticalPath.find((r) => r.service === 'catalog' && r.operation === operation);
    const db = row('SELECT products');
    assert.ok(db && db.selectionShare > db.baselineShare, `the query's share of the critical path grew: ${JSON.stringify(db)}`);
    assert.ok((row('cache get')?.baselineShare ?? 0) > 0, 'normally the cache read is on the critical path');
  });
});
