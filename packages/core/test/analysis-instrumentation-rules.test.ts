import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SpanKind,
  StatusCode,
  checkTraces,
  containsCardNumber,
  decodeTraceFile,
  defaultRulesConfig,
  groupByTrace,
  keyHasId,
  nameHasId,
  parseRulesConfig,
  RulesConfigError,
  sensitiveKind,
  type CheckReport,
  type Span,
} from '@sextant/core';
import { readFixtureText } from '../../../testing/fixtures.js';
import { span } from './analysis-builders.js';

const MS = 1_000_000;

function failing(report: CheckReport): Record<string, string[]> {
  return Object.fromEntries(report.rules.filter((r) => r.status !== 'pass').map((r) => [r.rule, r.findings.flatMap((f) => f.spanIds)]));
}

function fixture(rel: string): CheckReport {
  return checkTraces(groupByTrace(decodeTraceFile(readFixtureText(rel)).result.items));
}

test('planted problems: each rule fires on the spans that break it, and only on them', () => {
  const root = span({ id: 'root', service: 'web', kind: SpanKind.SERVER, start: 100, end: 200, unit: MS, attrs: { 'http.request.method': 'GET', 'http.route': '/cart', 'http.response.status_code': 200 } });
  const spans: Span[] = [
    root,
    span({ id: 'early', parent: 'root', service: 'web', start: 90, end: 120, unit: MS }),
    span({ id: 'named', parent: 'root', service: 'web', name: 'GET /users/123', start: 101, end: 102, unit: MS }),
    span({ id: 'uuid', parent: 'root', service: 'web', name: 'load 3f0c2b8e-1d2a-4c3b-9e8f-0a1b2c3d4e5f', start: 101, end: 102, unit: MS }),
    span({ id: 'idkey', parent: 'root', service: 'web', start: 101, end: 102, unit: MS, attrs: { 'user.48213.cart': 'x' } }),
    span({ id: 'pw', parent: 'root', service: 'web', start: 101, end: 102, unit: MS, attrs: { 'user.password': 'hunter2' } }),
    span({ id: 'card', parent: 'root', service: 'web', start: 101, end: 102, unit: MS, attrs: { 'payment.details': 'card 4111 1111 1111 1111 exp 12/29' } }),
    span({ id: 'mail', parent: 'root', service: 'web', kind: SpanKind.CLIENT, start: 103, end: 104, unit: MS, attrs: { 'url.full': 'https://api.example.com/users?email=ann@example.com', 'server.address': 'api.example.com' } }),
    span({ id: 'sql', parent: 'root', service: 'web', kind: SpanKind.CLIENT, start: 103, end: 104, unit: MS, attrs: { 'db.system': 'postgresql', 'db.query.text': "UPDATE users SET password = 'hunter2' WHERE id = 1" } }),
    span({ id: 'jwt', parent: 'root', service: 'web', start: 103, end: 104, unit: MS, attrs: { 'http.request.header.x-session': 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U' } }),
    span({ id: 'redacted', parent: 'root', service: 'web', start: 103, end: 104, unit: MS, attrs: { 'user.password': '[REDACTED]', 'auth.token_count': 3 } }),
    span({ id: 'dup', parent: 'root', service: 'web', kind: SpanKind.CLIENT, start: 105, end: 106, unit: MS, attrs: { 'http.method': 'GET', 'http.request.method': 'GET', 'server.address': 'api.example.com' } }),
    span({ id: 'bare', parent: 'root', service: 'web', start: 107, end: 108, unit: MS, error: true }),
    span({ id: 'zero', parent: 'root', service: 'web', start: 109, end: 109, unit: MS }),
  ];
  const explained = span({ id: 'explained', parent: 'root', service: 'web', start: 110, end: 111, unit: MS, error: true });
  explained.status = { code: StatusCode.ERROR, message: 'connection refused' };
  const typed = span({ id: 'typed', parent: 'root', service: 'web', start: 110, end: 111, unit: MS, error: true, attrs: { 'error.type': 'timeout' } });
  const fragment = [
    span({ traceId: 't2', id: 'lost', service: 'checkout', kind: SpanKind.CLIENT, name: 'POST', start: 100, end: 150, unit: MS, attrs: { 'server.address': 'payments' } }),
    span({ traceId: 't2', id: 'pay', parent: 'lost', service: 'payments', kind: SpanKind.SERVER, name: 'POST /charges', start: 110, end: 140, unit: MS, attrs: { 'http.request.method': 'POST' } }),
  ];
  const report = checkTraces([[...spans, explained, typed], fragment]);
  assert.equal(report.ok, false);
  assert.deepEqual(failing(report), {
    'fragment-root': ['lost'],
    'non-positive-duration': ['zero'],
    'child-outside-parent': ['early'],
    'id-in-span-name': ['named', 'uuid'],
    'id-in-attribute-key': ['idkey'],
    'sensitive-attribute': ['pw', 'card', 'mail', 'sql', 'jwt'],
    'deprecated-attribute': ['dup'],
    'http-server-incomplete': ['pay'],
    'error-without-detail': ['bare'],
  });
  const byRule = Object.fromEntries(report.rules.map((r) => [r.rule, r]));
  assert.equal(byRule['fragment-root']!.status, 'fail');
  assert.equal(byRule['deprecated-attribute']!.status, 'warn', 'warn-severity rules report without failing');
  assert.deepEqual(byRule['fragment-root']!.findings[0]!.services, ['checkout']);
  // Reports name keys and kinds of match, never the secret itself.
  const secretMessage = byRule['sensitive-attribute']!.findings[0]!.message;
  assert.match(secretMessage, /user\.password: secret key/);
  assert.match(secretMessage, /payment\.details: card number/);
  assert.match(secretMessage, /url\.full: e-mail address/);
  assert.doesNotMatch(secretMessage, /hunter2|4111|ann@/);
  assert.match(byRule['http-server-incomplete']!.findings[0]!.message, /http\.route and http\.response\.status_code/);
});

test('a well-instrumented run passes every rule', () => {
  const trace = [
    span({ id: 'a', service: 'web', kind: SpanKind.SERVER, name: 'GET /users/:id', start: 1, end: 10, unit: MS, attrs: { 'http.request.method': 'GET', 'http.route': '/users/:id', 'http.response.status_code': 200, 'user.id': '123' } }),
    span({ id: 'b', parent: 'a', service: 'web', kind: SpanKind.CLIENT, name: 'GET', start: 2, end: 9, unit: MS, attrs: { 'server.address': 'users', 'url.full': 'http://users/v1/users/123', 'http.request.method': 'GET' } }),
    span({ id: 'c', parent: 'b', service: 'users', kind: SpanKind.SERVER, name: 'GET /v1/users/:id', start: 3, end: 8, unit: MS, attrs: { 'http.request.method': 'GET', 'http.route': '/v1/users/:id', 'http.response.status_code': 200 } }),
    span({ id: 'd', parent: 'c', service: 'users', kind: SpanKind.CLIENT, name: 'SELECT users', start: 4, end: 5, unit: MS, attrs: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM users WHERE id = $1' } }),
  ];
  const report = checkTraces([trace], { ...defaultRulesConfig(), expect: ['web', 'users:SELECT users'] });
  assert.deepEqual(failing(report), {});
  assert.equal(report.ok, true);
  assert.deepEqual(report.services, ['users', 'web']);
  assert.equal(report.spans, 4);
});

test('a service that answers traced callers but always starts a new trace fails service-never-continues', () => {
  const traces: Span[][] = [];
  for (let i = 0; i < 3; i++) {
    traces.push([
      span({ traceId: `c${i}`, id: `in${i}`, service: 'web', kind: SpanKind.SERVER, start: 1, end: 10, unit: MS }),
      span({ traceId: `c${i}`, id: `out${i}`, parent: `in${i}`, service: 'web', kind: SpanKind.CLIENT, start: 2, end: 9, unit: MS, attrs: { 'server.address': '10.0.0.7', 'server.port': 8080 } }),
    ]);
    traces.push([span({ traceId: `s${i}`, id: `srv${i}`, service: 'cart', kind: SpanKind.SERVER, start: 3, end: 8, unit: MS, attrs: { 'server.address': '10.0.0.7', 'server.port': 8080 } })]);
  }
  const report = checkTraces(traces);
  const rule = report.rules.find((r) => r.rule === 'service-never-continues')!;
  assert.equal(rule.status, 'fail');
  assert.deepEqual(rule.findings.map((f) => f.services), [['cart']]);
  assert.match(rule.findings[0]!.message, /cart received 3 requests.*web calls it/);
  // The gateway of a system (nobody traced calls it) is not flagged, and fewer requests than the threshold are not judged.
  assert.equal(checkTraces(traces.filter((t) => t[0]!.traceId.startsWith('s'))).ok, true);
  const lenient = parseRulesConfig({ thresholds: { minServerSpans: 4 } });
  assert.equal(checkTraces(traces, lenient).rules.find((r) => r.rule === 'service-never-continues')!.status, 'pass');
});

test('--expect: absent services and operations fail expected-absent', () => {
  const trace = [span({ id: 'a', service: 'web', name: 'GET /', kind: SpanKind.SERVER, start: 1, end: 2, unit: MS })];
  const config = parseRulesConfig({ expect: ['web', 'web:GET /', 'web:POST /checkout', 'payments'] });
  const rule = checkTraces([trace], config).rules.find((r) => r.rule === 'expected-absent')!;
  assert.equal(rule.status, 'fail');
  assert.deepEqual(rule.findings.map((f) => f.message), ['no span named POST /checkout in service web', 'no span of service payments in the checked traces']);
});

test('a rules file changes severities and thresholds, and names what it gets wrong', () => {
  const trace = [
    span({ id: 'p', service: 'web', kind: SpanKind.SERVER, start: 100, end: 200, unit: MS, attrs: { 'http.request.method': 'GET', 'http.response.status_code': 200 } }),
    span({ id: 'c', parent: 'p', service: 'web', start: 97, end: 120, unit: MS, attrs: { 'customer.iban': 'DE89370400440532013000' } }),
  ];
  const defaults = failing(checkTraces([trace]));
  assert.deepEqual(Object.keys(defaults).sort(), ['child-outside-parent', 'http-server-incomplete']);
  const config = parseRulesConfig({
    rules: { 'child-outside-parent': 'off', 'http-server-incomplete': { severity: 'error' } },
    thresholds: { sensitiveKeys: ['iban'], requireHttpRoute: true },
  });
  const report = checkTraces([trace], config);
  assert.deepEqual(Object.keys(failing(report)).sort(), ['http-server-incomplete', 'sensitive-attribute']);
  assert.equal(report.rules.find((r) => r.rule === 'http-server-incomplete')!.status, 'fail');
  assert.deepEqual(failing(checkTraces([trace], parseRulesConfig({ thresholds: { clockSkewToleranceMs: 5, requireHttpRoute: false } }))), {});
  assert.deepEqual(failing(checkTraces([trace], parseRulesConfig({ thresholds: { allowKeys: ['customer.iban'], sensitiveKeys: ['iban'], clockSkewToleranceMs: 5, requireHttpRoute: false } }))), {});

  const bad: [unknown, RegExp][] = [
    [[], /JSON object/],
    [{ rule: {} }, /unknown key 'rule'/],
    [{ rules: { 'no-such-rule': 'off' } }, /unknown rule 'no-such-rule'/],
    [{ rules: { 'clock-skew': 'fatal' } }, /severity must be/],
    [{ thresholds: { toleranceMs: 1 } }, /unknown threshold 'toleranceMs'/],
    [{ thresholds: { clockSkewToleranceMs: -1 } }, /non-negative number/],
    [{ thresholds: { sensitiveKeys: ['('] } }, /not a regular expression/],
    [{ expect: 'web' }, /"expect" must be a list/],
  ];
  for (const [json, message] of bad) assert.throws(() => parseRulesConfig(json), (e: unknown) => e instanceof RulesConfigError && message.test((e as Error).message));
});

test('recognisers: ids in names and keys, secrets, card numbers', () => {
  for (const name of ['GET /users/123', 'GET /owners/8/pets/10', 'fetch order-1234567', 'cache 9f1c2e3d4b5a69788f1c2e3d']) assert.ok(nameHasId(name), name);
  for (const name of ['GET /users/:id', 'HTTP GET', 'grpc.health.v1.Health/Check', 'localhost:10000', 'SELECT 1', 'GET /api/v2/items', 'oauth2 token']) assert.ok(!nameHasId(name), name);
  assert.ok(keyHasId('session.8f1c2e3d-4b5a-4978-8f1c-2e3d4b5a6978.state'));
  assert.ok(!keyHasId('gen_ai.prompt.0.role'));
  assert.ok(containsCardNumber('4111111111111111'));
  assert.ok(!containsCardNumber('4111111111111112'), 'fails the Luhn check');
  assert.ok(!containsCardNumber('1733011111111111111'), 'a nanosecond timestamp is not a card');
  assert.equal(sensitiveKind('http.request.header.authorization', 'Bearer abc.def'), 'secret key');
  assert.equal(sensitiveKind('db.statement', 'SELECT * FROM users WHERE email = $1'), undefined);
  assert.equal(sensitiveKind('url.full', 'https://u:p4ss@example.com/'), 'credentials in URL');
  assert.equal(sensitiveKind('url.full', 'https://example.com/?access_token=abc'), 'inline password');
  assert.equal(sensitiveKind('user.password', '***'), undefined);
  assert.equal(sensitiveKind('user.password', 12), undefined);
});

test('shared fixtures: real traces get the findings their shape calls for', () => {
  // Jaeger UI's statistics traces name spans after raw paths.
  const raw = fixture('jaeger-ui/trace-statistics/testTraceNormal.json');
  assert.equal(raw.rules.find((r) => r.rule === 'id-in-span-name')!.status, 'fail');
  assert.match(raw.rules.find((r) => r.rule === 'id-in-span-name')!.findings[0]!.message, /GET \/owners\/8\/pets\/10/);
  // Zipkin's Kafka trace starts at a consumer poll: its producer's context is not in it.
  const kafka = fixture('zipkin/messaging-kafka.json');
  assert.deepEqual(kafka.rules.filter((r) => r.status === 'fail').map((r) => r.rule), ['fragment-root']);
  // The clock-skewed Zipkin trace is shifted (a warning) but nothing is impossible after correction.
  const skew = fixture('zipkin/skew.json');
  assert.equal(skew.ok, true);
  assert.equal(skew.rules.find((r) => r.rule === 'clock-skew')!.status, 'warn');
  // The OTLP example span names a parent the file does not hold.
  assert.deepEqual(fixture('otlp/example-trace.json').rules.filter((r) => r.status === 'fail').map((r) => r.rule), ['missing-parent']);
  // Envoy's span is named after host:port (a bounded name) but carries no service name.
  assert.deepEqual(fixture('zipkin/envoy.json').rules.filter((r) => r.status === 'fail').map((r) => r.rule), ['missing-service-name']);
  assert.equal(fixture('jaeger-ui/trace-statistics/spansAmongEachOther.json').ok, true);
});
