/** The TraceQL syntax tree the parser produces and the evaluators (in memory, and per storage engine) read. */
import type { AttributeScope } from './lexer.js';

export type Static =
  | { type: 'string'; value: string }
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean }
  /** Nanoseconds. */
  | { type: 'duration'; value: number }
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  | { type: 'status'; value: number }
  /** OTLP span kind: 0 unspecified … 5 consumer. */
  | { type: 'kind'; value: number }
  | { type: 'nil' };

/** Canonical intrinsic names; the parser maps every spelling (`duration`, `span:duration`) onto one of these. */
export type Intrinsic =
  | 'duration' | 'name' | 'status' | 'statusMessage' | 'kind' | 'childCount' | 'id' | 'parentID'
  | 'nestedSetLeft' | 'nestedSetRight' | 'nestedSetParent'
  | 'traceID' | 'rootName' | 'rootServiceName' | 'traceDuration'
  | 'event:name' | 'event:timeSinceStart' | 'link:traceID' | 'link:spanID'
  | 'instrumentation:name' | 'instrumentation:version';

export type BinaryOp =
  | '&&' | '||' | '=' | '!=' | '=~' | '!~' | '>' | '>=' | '<' | '<='
  | '+' | '-' | '*' | '/' | '%' | '^';

export type FieldExpr =
  | { type: 'static'; value: Static }
  | { type: 'intrinsic'; name: Intrinsic }
  | { type: 'attribute'; scope: AttributeScope; parent: boolean; name: string }
  | { type: 'binary'; op: BinaryOp; left: FieldExpr; right: FieldExpr; regex?: RegExp }
  | { type: 'unary'; op: '!' | '-'; operand: FieldExpr };

export type StructuralOp = '>' | '>>' | '<' | '<<' | '~';
export type SpansetOp =
  | { kind: 'and' | 'or' }
  | { kind: 'structural'; rel: StructuralOp; mode: 'plain' | 'not' | 'union' };

export type SpansetExpr =
  | { type: 'filter'; expr: FieldExpr }
  | { type: 'spansetOp'; op: SpansetOp; left: SpansetExpr; right: SpansetExpr }
  | { type: 'pipeline'; pipeline: Pipeline };

export type AggregateFn = 'count' | 'avg' | 'min' | 'max' | 'sum';
export type ScalarExpr =
  | { type: 'aggregate'; fn: AggregateFn; field?: FieldExpr }
  | { type: 'static'; value: Static }
  | { type: 'arith'; op: '+' | '-' | '*' | '/' | '%' | '^'; left: ScalarExpr; right: ScalarExpr };

export type ComparisonOp = '=' | '!=' | '>' | '>=' | '<' | '<=';

export type Stage =
  | { type: 'spanset'; expr: SpansetExpr }
  | { type: 'scalarFilter'; op: ComparisonOp; left: ScalarExpr; right: ScalarExpr }
  | { type: 'by'; expr: FieldExpr }
  | { type: 'coalesce' }
  | { type: 'select'; fields: FieldExpr[] };

export interface Pipeline {
  stages: Stage[];
}

export type MetricsFn =
  | 'rate' | 'count_over_time' | 'min_over_time' | 'max_over_time' | 'avg_over_time' | 'sum_over_time'
  | 'quantile_over_time' | 'histogram_over_time' | 'compare';

export interface MetricsStage {
  fn: MetricsFn;
  /** The measured field of the *_over_time functions. */
  field?: FieldExpr;
  /** quantile_over_time's quantiles. */
  quantiles?: number[];
  /** compare()'s selection, top-N values per attribute, and optional selection window (ns). */
  selection?: SpansetExpr;
  topN?: number;
  windowStartNano?: number;
  windowEndNano?: number;
  by: FieldExpr[];
}

export interface SecondStage {
  fn: 'topk' | 'bottomk';
  k: number;
}

export type HintValue = Static;

export interface Query {
  pipeline: Pipeline;
  metrics?: MetricsStage;
  second?: SecondStage;
  hints: Record<string, HintValue>;
  /** The query text, kept for error messages and logs. */
  text: string;
}
