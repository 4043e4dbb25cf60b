import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceQLError, formatField, parseTraceQL, tokenize, type FieldExpr, type Query, type SpansetExpr } from '@sextant/core';

const filterOf = (q: Query): FieldExpr => {
  const s = q.pipeline.stages[0];
  assert.equal(s.type, 'spanset');
  const e = (s as { expr: SpansetExpr }).expr;
  assert.equal(e.type, 'filter');
  return (e as { expr: FieldExpr }).expr;
};

test('lexes scoped attributes whole, including dots, dashes and quoted names', () => {
  const kinds = tokenize('{ resource.service.name = "a" && span.http-route != nil && parent.span.x > 1 && span."a b" = 2 && .k8s.pod = `raw\\n` }');
  const attrs = kinds.filter((t) => t.kind === 'attribute').map((t) => t.kind === 'attribute' && [t.parent, t.scope, t.name]);
  assert.deepEqual(attrs, [[false, 'resource', 'service.name'], [false, 'span', 'http-route'], [true, 'span', 'x'], [false, 'span', 'a b'], [false, '', 'k8s.pod']]);
  const raw = kinds.find((t) => t.kind === 'string' && t.value.startsWith('raw'));
  assert.equal(raw?.kind === 'string' && raw.value, 'raw\\n');
});

test('typed literals: durations (compound), ints, floats, strings, booleans, status and kind names, nil', () => {
  const statics = (text: string) => {
    const e = filterOf(parseTraceQL(text));
    assert.equal(e.type, 'binary');
    const r = (e as { right: FieldExpr }).right;
    assert.equal(r.type, 'static');
    return (r as { value: unknown }).value;
  };
  assert.deepEqual(statics('{ duration > 1h30m }'), { type: 'duration', value: 5400e9 });
  assert.deepEqual(statics('{ duration > 1.5ms }'), { type: 'duration', value: 1.5e6 });
  assert.deepEqual(statics('{ duration > 250us }'), { type: 'duration', value: 250e3 });
  assert.deepEqual(statics('{ duration > 7ns }'), { type: 'duration', value: 7 });
  assert.deepEqual(statics('{ span.n = 42 }'), { type: 'int', value: 42 });
  assert.deepEqual(statics('{ span.n = -42 }'), { type: 'int', value: -42 });
  assert.deepEqual(statics('{ span.n = 4.5 }'), { type: 'float', value: 4.5 });
  assert.deepEqual(statics('{ span.n = 1e3 }'), { type: 'float', value: 1000 });
  assert.deepEqual(statics('{ span.s = "q\\"x" }'), { type: 'string', value: 'q"x' });
  assert.deepEqual(statics('{ span.b = true }'), { type: 'bool', value: true });
  assert.deepEqual(statics('{ span.b = false }'), { type: 'bool', value: false });
  assert.deepEqual(statics('{ status = error }'), { type: 'status', value: 2 });
  assert.deepEqual(statics('{ status = ok }'), { type: 'status', value: 1 });
  assert.deepEqual(statics('{ status = unset }'), { type: 'status', value: 0 });
  for (const [k, v] of Object.entries({ unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 })) {
    assert.deepEqual(statics(`{ kind = ${k} }`), { type: 'kind', value: v });
  }
  assert.deepEqual(statics('{ span.x = nil }'), { type: 'nil' });
});

test('every intrinsic spelling maps to one canonical name', () => {
  const cases: Record<string, string> = {
    duration: 'duration', 'span:duration': 'duration', name: 'name', 'span:name': 'name', status: 'status',
    'span:status': 'status', statusMessage: 'statusMessage', 'span:statusMessage': 'statusMessage', kind: 'kind',
    'span:kind': 'kind', rootName: 'rootName', 'trace:rootName': 'rootName', rootServiceName: 'rootServiceName',
    'trace:rootService': 'rootServiceName', traceDuration: 'traceDuration', 'trace:duration': 'traceDuration',
    nestedSetLeft: 'nestedSetLeft', nestedSetRight: 'nestedSetRight', nestedSetParent: 'nestedSetParent',
    childCount: 'childCount', 'span:childCount': 'childCount', id: 'id', 'span:id': 'id', spanID: 'id', traceID: 'traceID',
    'trace:id': 'traceID', parentID: 'parentID', 'span:parentID': 'parentID', 'event:name': 'event:name',
    'event:timeSinceStart': 'event:timeSinceStart', 'link:traceID': 'link:traceID', 'link:spanID': 'link:spanID',
    'instrumentation:name': 'instrumentation:name', 'instrumentation:version': 'instrumentation:version',
  };
  for (const [text, name] of Object.entries(cases)) {
    const e = filterOf(parseTraceQL(`{ ${text} != nil }`)) as { left: FieldExpr };
    assert.deepEqual(e.left, { type: 'intrinsic', name }, text);
  }
});

test('all scopes parse, and parent. reaches span, resource and unscoped attributes', () => {
  for (const scope of ['span', 'resource', 'event', 'link', 'instrumentation']) {
    const e = filterOf(parseTraceQL(`{ ${scope}.a.b = 1 }`)) as { left: FieldExpr };
    assert.deepEqual(e.left, { type: 'attribute', scope, parent: false, name: 'a.b' });
  }
  const p = filterOf(parseTraceQL('{ parent.resource.service.name = "x" || parent.foo = 1 }')) as { left: { left: FieldExpr }; right: { left: FieldExpr } };
  assert.deepEqual(p.left.left, { type: 'attribute', scope: 'resource', parent: true, name: 'service.name' });
  assert.deepEqual(p.right.left, { type: 'attribute', scope: '', parent: true, name: 'foo' });
});

test('field operators: comparison, regex (anchored), arithmetic precedence, unary, && and || left to right', () => {
  const e = filterOf(parseTraceQL('{ span.a + span.b * 2 ^ 2 > 3 && .x =~ "fo+" || !(.y !~ "(?i)BAR") }'));
  assert.equal(formatField(e), '(((span.a + (span.b * (2 ^ 2))) > 3) && (.x =~ "fo+")) || !(.y !~ "(?i)BAR")');
  const re = (filterOf(parseTraceQL('{ .x =~ "fo+" }')) as { regex: RegExp }).regex;
  assert.ok(re.test('foo') && !re.test('xfoo') && !re.test('food'));
  const ci = (filterOf(parseTraceQL('{ .x =~ "(?i)bar" }')) as { regex: RegExp }).regex;
  assert.ok(ci.test('BAR'));
  for (const op of ['=', '!=', '>', '>=', '<', '<=']) parseTraceQL(`{ span.a ${op} 1 }`);
});

test('spanset operators: && || and every structural operator with its ! and & forms', () => {
  const ops = ['>', '>>', '<', '<<', '~', '!>', '!>>', '!<', '!<<', '!~', '&>', '&>>', '&<', '&<<', '&~'];
  for (const op of ops) {
    const q = parseTraceQL(`{ .a = 1 } ${op} { .b = 2 }`);
    const e = (q.pipeline.stages[0] as { expr: SpansetExpr & { type: 'spansetOp' } }).expr;
    assert.equal(e.type, 'spansetOp');
    assert.equal(e.op.kind, 'structural');
    const mode = op.startsWith('!') ? 'not' : op.startsWith('&') ? 'union' : 'plain';
    assert.deepEqual(e.op, { kind: 'structural', rel: op.replace(/^[!&]/, ''), mode }, op);
  }
  // Structural binds tighter than && between spansets.
  const q = parseTraceQL('{ .a = 1 } && { .b = 2 } > { .c = 3 }');
  const e = (q.pipeline.stages[0] as { expr: SpansetExpr & { type: 'spansetOp' } }).expr;
  assert.equal(e.op.kind, 'and');
  assert.equal((e.right as SpansetExpr & { type: 'spansetOp' }).op.kind, 'structural');
  parseTraceQL('({ .a = 1 } || { .b = 2 }) >> ({ } | count() > 1)');
});

test('pipelines: aggregates, by(), coalesce(), select(), with(most_recent=true)', () => {
  const q = parseTraceQL('{ status = error } | by(resource.service.name) | count() > 2 | avg(duration) >= 1s | coalesce() | select(span.http.url, name) with (most_recent=true)');
  assert.deepEqual(q.pipeline.stages.map((s) => s.type), ['spanset', 'by', 'scalarFilter', 'scalarFilter', 'coalesce', 'select']);
  assert.deepEqual(q.hints, { most_recent: { type: 'bool', value: true } });
  for (const fn of ['min', 'max', 'sum', 'avg']) parseTraceQL(`{ } | ${fn}(span.n) < 10`);
  parseTraceQL('{ } | count() + 1 > 2 * 2');
  parseTraceQL('{ } | { .a = 1 }');
});

test('metrics functions with by(), topk/bottomk and hints', () => {
  const q = parseTraceQL('{ } | rate() by(resource.service.name, span.x) | topk(3)');
  assert.equal(q.metrics?.fn, 'rate');
  assert.deepEqual(q.metrics?.by.map(formatField), ['resource.service.name', 'span.x']);
  assert.deepEqual(q.second, { fn: 'topk', k: 3 });
  assert.equal(parseTraceQL('{ } | count_over_time() | bottomk(1)').second?.fn, 'bottomk');
  for (const fn of ['min_over_time', 'max_over_time', 'avg_over_time', 'sum_over_time', 'histogram_over_time']) {
    assert.equal(parseTraceQL(`{ } | ${fn}(duration) by(name)`).metrics?.fn, fn);
  }
  assert.deepEqual(parseTraceQL('{ } | quantile_over_time(duration, .5, 0.9, 0.99)').metrics?.quantiles, [0.5, 0.9, 0.99]);
  const c = parseTraceQL('{ } | compare({ status = error }, 5, 1000, 2000)').metrics!;
  assert.deepEqual([c.topN, c.windowStartNano, c.windowEndNano], [5, 1000, 2000]);
  assert.equal(parseTraceQL('{ } | compare({ status = error })').metrics?.topN, undefined);
  assert.deepEqual(parseTraceQL('{ } | rate() with(exemplars=true)').hints, { exemplars: { type: 'bool', value: true } });
});

function parseError(text: string): TraceQLError {
  try {
    parseTraceQL(text);
  } catch (e) {
    assert.ok(e instanceof TraceQLError, `${text}: threw ${String(e)}`);
    return e;
  }
  assert.fail(`${text} parsed`);
}

test('malformed queries fail with position, expected tokens and what was found', () => {
  const e1 = parseError('{ span.a = 1 ');
  assert.equal(e1.column, 14);
  assert.deepEqual(e1.expected, ['"}"', 'an operator']);
  assert.equal(e1.found, 'end of query');
  assert.match(e1.message, /line 1, column 14: in a spanset filter: expected "}" or an operator, found end of query/);
  const e2 = parseError('{ foo = 1 }');
  assert.equal(e2.column, 3);
  assert.match(e2.message, /unknown identifier "foo".*span\.foo/);
  const e3 = parseError('{ .a = 1 }\n| count() >');
  assert.deepEqual([e3.line, e3.column], [2, 12]);
  assert.match(parseError('{ .a =~ "(" }').message, /invalid regular expression/);
  assert.match(parseError('{ .a =~ 1 }').message, /right side of =~ must be a string/);
  assert.match(parseError('{ duration > 3parsecs }').message, /unknown duration unit "parsecs"/);
  assert.match(parseError('{ .a = "x }').message, /unterminated string/);
  assert.match(parseError('{ 1 }').message, /must be a condition/);
  assert.match(parseError('').message, /empty query/);
  assert.match(parseError('rate()').message, /needs a spanset/);
  assert.match(parseError('{ } | quantile_over_time(duration, 2)').message, /between 0 and 1/);
  assert.match(parseError('{ } | quantile_over_time(duration)').message, /at least one quantile/);
  assert.match(parseError('{ } | rate() | topk(0)').message, /positive integer/);
  assert.match(parseError('{ } | rate() | { }').message, /expected topk or bottomk/);
  assert.match(parseError('{ span:bogus = 1 }').message, /unknown intrinsic span:bogus/);
  assert.match(parseError('{ } }').message, /unexpected input after the query/);
  assert.match(parseError('{ } | 1 > 2').message, /needs an aggregate/);
  assert.match(parseError('{ .a = 1 } # x').message, /unexpected character "#"/);
  assert.match(parseError('{'.repeat(500)).message, /nests deeper|expected/);
  assert.match(parseError(`{ ${'!'.repeat(5000)}true }`).message, /nests deeper than 64/);
});

// Deterministic pseudo-random generator: a failure reproduces from its seed.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SOUP = [
  '{', '}', '(', ')', ',', '|', '&&', '||', '!', '=', '!=', '=~', '!~', '>', '>=', '<', '<=', '>>', '<<', '~', '!>', '!>>',
  '&>', '&~', '+', '-', '*', '/', '%', '^', '.a', 'span.x', 'resource.service.name', 'parent.y', 'event:name', 'span:bogus',
  'trace:id', 'duration', 'name', 'status', 'error', 'server', 'nil', 'true', '1', '2.5', '10ms', '"s"', '"(re"', '`r`', 'count()',
  'avg(duration)', 'by(name)', 'coalesce()', 'select(.a)', 'rate()', 'quantile_over_time(duration, .9)', 'topk(2)', 'with',
  'most_recent=true', 'foo', '#', '"', '\n', 'compare({ })', 'histogram_over_time(duration)', '1h', '3xs',
];
const VALID = [
  '{ resource.service.name = "x" && duration > 100ms }', '{ .a = 1 } >> { status = error }', '{ } | by(name) | count() > 1',
  '{ } | rate() by(resource.service.name)', '{ kind = server } &~ { kind = client } | select(span.a) with(most_recent=true)',
  '{ } | quantile_over_time(duration, .5, .99) by(name) | topk(3)',
];

test('fuzz: random token soup and mutations of valid queries only ever throw TraceQLError', () => {
  const rand = rng(11);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const check = (text: string) => {
    try {
      parseTraceQL(text);
    } catch (e) {
      if (!(e instanceof TraceQLError)) assert.fail(`${JSON.stringify(text)} threw ${String(e)}`);
      assert.ok(e.offset >= 0 && e.offset <= text.length, `offset ${e.offset} outside ${JSON.stringify(text)}`);
    }
  };
  for (let i = 0; i < 3000; i++) {
    const n = 1 + Math.floor(rand() * 12);
    check(Array.from({ length: n }, () => pick(SOUP)).join(rand() < 0.5 ? ' ' : ''));
  }
  for (let i = 0; i < 3000; i++) {
    let text = pick(VALID);
    const edits = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < edits; k++) {
      const at = Math.floor(rand() * (text.length + 1));
      const r = rand();
      if (r < 0.33) text = text.slice(0, at) + text.slice(at + 1);
      else if (r < 0.66) text = text.slice(0, at) + pick(SOUP) + text.slice(at);
      else text = text.slice(0, at) + String.fromCharCode(32 + Math.floor(rand() * 95)) + text.slice(at + 1);
    }
    check(text);
  }
});
