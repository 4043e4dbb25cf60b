export { TraceQLError } from './errors.js';
export { tokenize, type Token, type AttributeScope, type IntrinsicScope } from './lexer.js';
export type * from './ast.js';
export { parseTraceQL, compileRegex } from './parser.js';
export { formatField, formatStatic, formatDurationNano, statusName, kindName } from './format.js';
export type { Scalar, Value } from './values.js';
export { evaluateTrace, evaluatePipeline, evalField, prepareTrace, referencedFields, type Spanset, type TraceContext } from './eval.js';
export { MetricsAccumulator, labelText, log2Bucket, quantileOf, type MetricsRange, type MetricsSeries, type SeriesLabel, type Exemplar } from './metrics.js';
export { pushdownConditions, countingPlan, type PushedCondition, type PushableField, type CountingPlan, type ExactCondition, type SpanColumn } from './pushdown.js';
