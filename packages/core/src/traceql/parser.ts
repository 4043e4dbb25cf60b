/**
 * A recursive-descent TraceQL parser following Tempo's grammar (pkg/traceql/expr.y) and docs. Precedence, as
 * in Tempo: between spansets `&&`/`||` (one level, left-associative) bind looser than the structural
 * operators; inside a filter `&&`/`||` share the lowest level, then comparisons, `+ -`, `* / %`, `^` (right).
 * Every failure is a TraceQLError with position, expected tokens and what was found.
 */
import type {
  AggregateFn, BinaryOp, ComparisonOp, FieldExpr, HintValue, Intrinsic, MetricsFn, MetricsStage, Pipeline, Query,
  ScalarExpr, SecondStage, SpansetExpr, SpansetOp, Stage, Static, StructuralOp,
} from './ast.js';
import { errorAt } from './errors.js';
import { tokenize, type Token } from './lexer.js';

const STATICS: Record<string, Static> = {
  true: { type: 'bool', value: true },
  false: { type: 'bool', value: false },
  nil: { type: 'nil' },
  unset: { type: 'status', value: 0 },
  ok: { type: 'status', value: 1 },
  error: { type: 'status', value: 2 },
  unspecified: { type: 'kind', value: 0 },
  internal: { type: 'kind', value: 1 },
  server: { type: 'kind', value: 2 },
  client: { type: 'kind', value: 3 },
  producer: { type: 'kind', value: 4 },
  consumer: { type: 'kind', value: 5 },
};

const UNSCOPED_INTRINSICS: Record<string, Intrinsic> = {
  duration: 'duration', name: 'name', status: 'status', statusMessage: 'statusMessage', kind: 'kind',
  childCount: 'childCount', id: 'id', spanID: 'id', parentID: 'parentID', traceID: 'traceID',
  nestedSetLeft: 'nestedSetLeft', nestedSetRight: 'nestedSetRight', nestedSetParent: 'nestedSetParent',
  rootName: 'rootName', rootServiceName: 'rootServiceName', traceDuration: 'traceDuration',
};

const SCOPED_INTRINSICS: Record<string, Record<string, Intrinsic>> = {
  span: {
    duration: 'duration', name: 'name', status: 'status', statusMessage: 'statusMessage', kind: 'kind',
    childCount: 'childCount', id: 'id', parentID: 'parentID',
    nestedSetLeft: 'nestedSetLeft', nestedSetRight: 'nestedSetRight', nestedSetParent: 'nestedSetParent',
  },
  trace: { duration: 'traceDuration', rootName: 'rootName', rootService: 'rootServiceName', id: 'traceID' },
  event: { name: 'event:name', timeSinceStart: 'event:timeSinceStart' },
  link: { traceID: 'link:traceID', spanID: 'link:spanID' },
  instrumentation: { name: 'instrumentation:name', version: 'instrumentation:version' },
};

const AGGREGATES = new Set<string>(['count', 'avg', 'min', 'max', 'sum']);
const METRICS = new Set<string>([
  'rate', 'count_over_time', 'min_over_time', 'max_over_time', 'avg_over_time', 'sum_over_time',
  'quantile_over_time', 'histogram_over_time', 'compare',
]);
const STRUCTURAL = new Map<string, { rel: StructuralOp; mode: 'plain' | 'not' | 'union' }>([
  ['>', { rel: '>', mode: 'plain' }], ['>>', { rel: '>>', mode: 'plain' }],
  ['<', { rel: '<', mode: 'plain' }], ['<<', { rel: '<<', mode: 'plain' }], ['~', { rel: '~', mode: 'plain' }],
  ['!>', { rel: '>', mode: 'not' }], ['!>>', { rel: '>>', mode: 'not' }],
  ['!<', { rel: '<', mode: 'not' }], ['!<<', { rel: '<<', mode: 'not' }], ['!~', { rel: '~', mode: 'not' }],
  ['&>', { rel: '>', mode: 'union' }], ['&>>', { rel: '>>', mode: 'union' }],
  ['&<', { rel: '<', mode: 'union' }], ['&<<', { rel: '<<', mode: 'union' }], ['&~', { rel: '~', mode: 'union' }],
]);
const MAX_DEPTH = 64;
const COMPARISONS = new Set<string>(['=', '!=', '>', '>=', '<', '<=']);

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of query';
    case 'string': return JSON.stringify(t.value);
    case 'number': case 'duration': return 'a number';
    case 'attribute': return `attribute ${t.scope ? t.scope : ''}.${t.name}`;
    case 'scopedIntrinsic': return `${t.scope}:${t.name}`;
    default: return `"${t.value}"`;
  }
}

/** Go regexps allow a leading `(?i)`-style flag group, which JavaScript does not; Tempo anchors its regexps. */
export function compileRegex(source: string): RegExp {
  let flags = 's';
  let body = source;
  const m = /^\(\?([imsU]+)\)/.exec(body);
  if (m) {
    if (m[1].includes('i')) flags += 'i';
    if (m[1].includes('m')) flags += 'm';
    body = body.slice(m[0].length);
  }
  return new RegExp(`^(?:${body})$`, flags);
}

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly tokens: Token[];
  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  private get tok(): Token {
    return this.tokens[this.pos];
  }
  private peek(n = 1): Token {
    return this.tokens[Math.min(this.pos + n, this.tokens.length - 1)];
  }
  /** The text of an operator or punctuation token, '' for any other. */
  private opText(): string {
    const t = this.tok;
    return t.kind === 'op' || t.kind === 'punct' ? t.value : '';
  }
  private atEnd(): boolean {
    return this.tok.kind === 'eof';
  }
  private isPunct(v: string, t = this.tok): boolean {
    return t.kind === 'punct' && t.value === v;
  }
  private isOp(v: string, t = this.tok): boolean {
    return t.kind === 'op' && t.value === v;
  }
  private isIdent(v: string, t = this.tok): boolean {
    return t.kind === 'ident' && t.value === v;
  }
  private fail(what: string, expected: string[], t = this.tok): never {
    const found = describe(t);
    const exp = expected.length > 0 ? `expected ${expected.join(' or ')}, found ${found}` : `${what}, found ${found}`;
    throw errorAt(this.text, t.start, what && expected.length > 0 ? `${what}: ${exp}` : exp, expected, found);
  }
  private expectPunct(v: string, context = ''): Token {
    if (!this.isPunct(v)) this.fail(context, [`"${v}"`]);
    return this.tokens[this.pos++];
  }

  parseQuery(): Query {
    if (this.tok.kind === 'eof') this.fail('empty query', ['"{"']);
    const pipeline: Pipeline = { stages: [this.parseStage(true)] };
    let metrics: MetricsStage | undefined;
    let second: SecondStage | undefined;
    while (this.isPunct('|')) {
      this.pos++;
      if (this.tok.kind === 'ident' && METRICS.has(this.tok.value)) {
        metrics = this.parseMetrics();
        if (this.isPunct('|')) {
          this.pos++;
          second = this.parseSecondStage();
        }
        break;
      }
      pipeline.stages.push(this.parseStage(false));
    }
    const hints = this.parseHints();
    if (!this.atEnd()) {
      const expected = metrics ? ['"with"', 'end of query'] : ['"|"', '"&&"', '"||"', 'a structural operator', '"with"', 'end of query'];
      this.fail('unexpected input after the query', expected);
    }
    return { pipeline, metrics, second, hints, text: this.text };
  }

  private parseHints(): Record<string, HintValue> {
    const hints: Record<string, HintValue> = {};
    if (!this.isIdent('with')) return hints;
    this.pos++;
    this.expectPunct('(', 'after "with"');
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'ident') this.fail('in with()', ['a hint name such as most_recent']);
      this.pos++;
      if (!this.isOp('=')) this.fail(`after hint ${t.value}`, ['"="']);
      this.pos++;
      hints[t.value] = this.parseStatic(`hint ${t.value}`);
      if (this.isPunct(',')) {
        this.pos++;
        continue;
      }
      this.expectPunct(')', 'closing with()');
      return hints;
    }
  }

  private parseStage(first: boolean): Stage {
    const t = this.tok;
    if (t.kind === 'ident' && this.isPunct('(', this.peek())) {
      if (t.value === 'by') {
        this.pos += 2;
        const expr = this.parseField();
        this.expectPunct(')', 'closing by()');
        return { type: 'by', expr };
      }
      if (t.value === 'coalesce') {
        this.pos += 2;
        this.expectPunct(')', 'coalesce() takes no arguments');
        return { type: 'coalesce' };
      }
      if (t.value === 'select') {
        this.pos += 2;
        const fields = [this.parseField()];
        while (this.isPunct(',')) {
          this.pos++;
          fields.push(this.parseField());
        }
        this.expectPunct(')', 'closing select()');
        return { type: 'select', fields };
      }
      if (AGGREGATES.has(t.value)) return this.parseScalarFilter();
      if (METRICS.has(t.value) && first) this.fail('a metrics function needs a spanset before it, as in { } | rate()', ['"{"']);
    }
    if (t.kind === 'number' || t.kind === 'duration') return this.parseScalarFilter();
    return { type: 'spanset', expr: this.parseSpansetExpr() };
  }

  private parseScalarFilter(): Stage {
    const left = this.parseScalar();
    const t = this.tok;
    if (t.kind !== 'op' || !COMPARISONS.has(t.value)) this.fail('after an aggregate', ['a comparison (= != < <= > >=)']);
    this.pos++;
    const right = this.parseScalar();
    if (!containsAggregate(left) && !containsAggregate(right)) this.fail('a scalar filter needs an aggregate such as count()', ['count()', 'avg()'], t);
    return { type: 'scalarFilter', op: t.value as ComparisonOp, left, right };
  }

  private parseScalar(): ScalarExpr {
    return this.nest(() => this.parseScalarBinary(0));
  }
  private static readonly SCALAR_LEVELS: string[][] = [['+', '-'], ['*', '/', '%'], ['^']];
  private parseScalarBinary(level: number): ScalarExpr {
    if (level === Parser.SCALAR_LEVELS.length) return this.parseScalarPrimary();
    let left = this.parseScalarBinary(level + 1);
    while (this.tok.kind === 'op' && Parser.SCALAR_LEVELS[level].includes(this.tok.value)) {
      const op = this.opText() as '+' | '^';
      this.pos++;
      const right = op === '^' ? this.parseScalarBinary(level) : this.parseScalarBinary(level + 1);
      left = { type: 'arith', op, left, right };
      if (op === '^') break;
    }
    return left;
  }
  private parseScalarPrimary(): ScalarExpr {
    const t = this.tok;
    if (this.isPunct('(')) {
      this.pos++;
      const e = this.parseScalar();
      this.expectPunct(')', 'closing parenthesis');
      return e;
    }
    if (t.kind === 'ident' && AGGREGATES.has(t.value)) {
      this.pos++;
      this.expectPunct('(', `after ${t.value}`);
      if (t.value === 'count') {
        this.expectPunct(')', 'count() takes no arguments');
        return { type: 'aggregate', fn: 'count' };
      }
      const field = this.parseField();
      this.expectPunct(')', `closing ${t.value}()`);
      return { type: 'aggregate', fn: t.value as AggregateFn, field };
    }
    if (this.isOp('-') && (this.peek().kind === 'number' || this.peek().kind === 'duration')) {
      this.pos++;
      const s = this.parseStatic('number');
      return { type: 'static', value: negate(s) };
    }
    return { type: 'static', value: this.parseStatic('a number, a duration or an aggregate') };
  }

  /** Bounds nesting so that a hostile query is a parse error, not a stack overflow. */
  private nest<T>(f: () => T): T {
    if (++this.depth > MAX_DEPTH) this.fail(`the query nests deeper than ${MAX_DEPTH} levels`, []);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private parseSpansetExpr(): SpansetExpr {
    return this.nest(() => this.parseSpansetOr());
  }

  private parseSpansetOr(): SpansetExpr {
    let left = this.parseStructural();
    while (this.isOp('&&') || this.isOp('||')) {
      const kind = this.opText() === '&&' ? 'and' : 'or';
      this.pos++;
      const right = this.parseStructural();
      left = { type: 'spansetOp', op: { kind }, left, right };
    }
    return left;
  }

  private parseStructural(): SpansetExpr {
    let left = this.parseSpansetPrimary();
    for (;;) {
      const t = this.tok;
      const rel = t.kind === 'op' ? STRUCTURAL.get(t.value) : undefined;
      if (rel === undefined) return left;
      this.pos++;
      const right = this.parseSpansetPrimary();
      const op: SpansetOp = { kind: 'structural', rel: rel.rel, mode: rel.mode };
      left = { type: 'spansetOp', op, left, right };
    }
  }

  private parseSpansetPrimary(): SpansetExpr {
    if (this.isPunct('{')) {
      const open = this.tok;
      this.pos++;
      if (this.isPunct('}')) {
        this.pos++;
        return { type: 'filter', expr: { type: 'static', value: { type: 'bool', value: true } } };
      }
      const expr = this.parseField();
      if (!this.isPunct('}')) this.fail('in a spanset filter', ['"}"', 'an operator']);
      this.pos++;
      if (!mayBeBoolean(expr)) throw errorAt(this.text, open.start, 'a spanset filter must be a condition (such as span.x = 1), not a plain value', ['condition']);
      return { type: 'filter', expr };
    }
    if (this.isPunct('(')) {
      this.pos++;
      const stages: Stage[] = [this.parseStage(false)];
      while (this.isPunct('|')) {
        this.pos++;
        stages.push(this.parseStage(false));
      }
      this.expectPunct(')', 'closing parenthesis');
      if (stages.length === 1 && stages[0].type === 'spanset') return stages[0].expr;
      return { type: 'pipeline', pipeline: { stages } };
    }
    this.fail('', ['"{"', '"("']);
  }

  private parseField(): FieldExpr {
    return this.nest(() => this.parseFieldOr());
  }

  private parseFieldOr(): FieldExpr {
    let left = this.parseComparison();
    while (this.isOp('&&') || this.isOp('||')) {
      const op = this.opText() as BinaryOp;
      this.pos++;
      left = { type: 'binary', op, left, right: this.parseComparison() };
    }
    return left;
  }

  private parseComparison(): FieldExpr {
    let left = this.parseAdditive();
    while (this.tok.kind === 'op' && (COMPARISONS.has(this.opText()) || this.opText() === '=~' || this.opText() === '!~')) {
      const opTok = this.tok;
      const op = opTok.value as BinaryOp;
      this.pos++;
      const rightTok = this.tok;
      const right = this.parseAdditive();
      if (op === '=~' || op === '!~') {
        if (right.type !== 'static' || right.value.type !== 'string') throw errorAt(this.text, rightTok.start, `the right side of ${op} must be a string`, ['string'], describe(rightTok));
        let regex: RegExp;
        try {
          regex = compileRegex(right.value.value);
        } catch (e) {
          throw errorAt(this.text, rightTok.start, `invalid regular expression: ${(e as Error).message}`, ['regular expression'], describe(rightTok));
        }
        left = { type: 'binary', op, left, right, regex };
      } else {
        left = { type: 'binary', op, left, right };
      }
    }
    return left;
  }

  private parseAdditive(): FieldExpr {
    let left = this.parseMultiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.opText() as BinaryOp;
      this.pos++;
      left = { type: 'binary', op, left, right: this.parseMultiplicative() };
    }
    return left;
  }

  private parseMultiplicative(): FieldExpr {
    let left = this.parsePower();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.opText() as BinaryOp;
      this.pos++;
      left = { type: 'binary', op, left, right: this.parsePower() };
    }
    return left;
  }

  private parsePower(): FieldExpr {
    const base = this.parseUnary();
    if (!this.isOp('^')) return base;
    this.pos++;
    return { type: 'binary', op: '^', left: base, right: this.nest(() => this.parsePower()) };
  }

  private parseUnary(): FieldExpr {
    if (this.isOp('!')) {
      this.pos++;
      return { type: 'unary', op: '!', operand: this.nest(() => this.parseUnary()) };
    }
    if (this.isOp('-')) {
      this.pos++;
      const operand = this.nest(() => this.parseUnary());
      if (operand.type === 'static' && (operand.value.type === 'int' || operand.value.type === 'float' || operand.value.type === 'duration')) {
        return { type: 'static', value: negate(operand.value) };
      }
      return { type: 'unary', op: '-', operand };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FieldExpr {
    const t = this.tok;
    if (this.isPunct('(')) {
      this.pos++;
      const e = this.parseField();
      this.expectPunct(')', 'closing parenthesis');
      return e;
    }
    if (t.kind === 'attribute') {
      this.pos++;
      return { type: 'attribute', scope: t.scope, parent: t.parent, name: t.name };
    }
    if (t.kind === 'scopedIntrinsic') {
      const name = SCOPED_INTRINSICS[t.scope][t.name];
      if (name === undefined) {
        const known = Object.keys(SCOPED_INTRINSICS[t.scope]).map((k) => `${t.scope}:${k}`);
        throw errorAt(this.text, t.start, `unknown intrinsic ${t.scope}:${t.name}`, known, `${t.scope}:${t.name}`);
      }
      this.pos++;
      return { type: 'intrinsic', name };
    }
    if (t.kind === 'ident' && UNSCOPED_INTRINSICS[t.value] !== undefined && Object.hasOwn(UNSCOPED_INTRINSICS, t.value)) {
      this.pos++;
      return { type: 'intrinsic', name: UNSCOPED_INTRINSICS[t.value] };
    }
    if (t.kind === 'string' || t.kind === 'number' || t.kind === 'duration' || (t.kind === 'ident' && Object.hasOwn(STATICS, t.value))) {
      return { type: 'static', value: this.parseStatic('a value') };
    }
    if (t.kind === 'ident') {
      throw errorAt(this.text, t.start, `unknown identifier "${t.value}" (attributes need a scope, as in span.${t.value} or .${t.value})`, ['an attribute', 'an intrinsic', 'a value'], describe(t));
    }
    this.fail('', ['an attribute', 'an intrinsic', 'a value']);
  }

  private parseStatic(context: string): Static {
    const t = this.tok;
    switch (t.kind) {
      case 'string':
        this.pos++;
        return { type: 'string', value: t.value };
      case 'number':
        this.pos++;
        return t.isInt ? { type: 'int', value: t.value } : { type: 'float', value: t.value };
      case 'duration':
        this.pos++;
        return { type: 'duration', value: t.value };
      case 'ident':
        if (Object.hasOwn(STATICS, t.value)) {
          this.pos++;
          return STATICS[t.value];
        }
    }
    this.fail(context, ['a value']);
  }

  private parseNumberArg(context: string): number {
    let sign = 1;
    if (this.isOp('-')) {
      sign = -1;
      this.pos++;
    }
    const t = this.tok;
    if (t.kind !== 'number') this.fail(context, ['a number']);
    this.pos++;
    return sign * t.value;
  }

  private parseMetrics(): MetricsStage {
    const t = this.tok as Token & { kind: 'ident' };
    const fn = t.value as MetricsFn;
    this.pos++;
    this.expectPunct('(', `after ${fn}`);
    const stage: MetricsStage = { fn, by: [] };
    switch (fn) {
      case 'rate':
      case 'count_over_time':
        this.expectPunct(')', `${fn}() takes no arguments`);
        break;
      case 'quantile_over_time': {
        stage.field = this.parseField();
        stage.quantiles = [];
        while (this.isPunct(',')) {
          this.pos++;
          const qt = this.tok;
          const q = this.parseNumberArg('a quantile');
          if (!(q >= 0 && q <= 1)) throw errorAt(this.text, qt.start, 'a quantile must be between 0 and 1', ['a number between 0 and 1'], describe(qt));
          stage.quantiles.push(q);
        }
        if (stage.quantiles.length === 0) this.fail('quantile_over_time needs at least one quantile', ['","']);
        this.expectPunct(')', 'closing quantile_over_time()');
        break;
      }
      case 'compare': {
        stage.selection = this.parseSpansetExpr();
        const nums: number[] = [];
        while (this.isPunct(',') && nums.length < 3) {
          this.pos++;
          nums.push(this.parseNumberArg('compare() arguments'));
        }
        if (nums.length === 2) this.fail('compare() takes a start and an end together', ['","']);
        if (nums.length >= 1) stage.topN = nums[0];
        if (nums.length === 3) {
          stage.windowStartNano = nums[1];
          stage.windowEndNano = nums[2];
        }
        this.expectPunct(')', 'closing compare()');
        break;
      }
      default:
        stage.field = this.parseField();
        this.expectPunct(')', `closing ${fn}()`);
    }
    if (this.isIdent('by') && this.isPunct('(', this.peek())) {
      this.pos += 2;
      stage.by.push(this.parseField());
      while (this.isPunct(',')) {
        this.pos++;
        stage.by.push(this.parseField());
      }
      this.expectPunct(')', 'closing by()');
    }
    return stage;
  }

  private parseSecondStage(): SecondStage {
    const t = this.tok;
    if (!(this.isIdent('topk') || this.isIdent('bottomk'))) this.fail('after a metrics function', ['topk', 'bottomk']);
    this.pos++;
    this.expectPunct('(', `after ${(t as { value: string }).value}`);
    const kt = this.tok;
    const k = this.parseNumberArg('the number of series');
    if (!Number.isInteger(k) || k < 1) throw errorAt(this.text, kt.start, 'the number of series must be a positive integer', ['a positive integer'], describe(kt));
    this.expectPunct(')', 'closing parenthesis');
    return { fn: (t as { value: string }).value as 'topk', k };
  }
}

function negate(s: Static): Static {
  if (s.type === 'int' || s.type === 'float' || s.type === 'duration') return { ...s, value: -s.value };
  return s;
}

function containsAggregate(e: ScalarExpr): boolean {
  return e.type === 'aggregate' || (e.type === 'arith' && (containsAggregate(e.left) || containsAggregate(e.right)));
}

/** Whether a filter expression can yield a boolean: a plain number or string cannot select spans. */
function mayBeBoolean(e: FieldExpr): boolean {
  switch (e.type) {
    case 'static': return e.value.type === 'bool';
    case 'binary': return !['+', '-', '*', '/', '%', '^'].includes(e.op);
    case 'unary': return e.op === '!';
    default: return true;
  }
}

/** Parses a TraceQL query; throws TraceQLError (and nothing else) on malformed input. */
export function parseTraceQL(text: string): Query {
  return new Parser(text).parseQuery();
}
