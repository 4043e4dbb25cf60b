/**
 * Error spans and their root causes. A span is in error when its status says so, when it is a server span that
 * answered HTTP 5xx, when it recorded an exception, or when it carries the Jaeger/Zipkin `error` tag. An error
 * span is a root cause when nothing below it failed: the failure started there rather than being passed up.
 */
import { SpanKind, StatusCode, getAttr, type Span } from '../model.js';
import type { TraceTree } from './tree.js';

function httpStatus(span: Span): number | undefined {
  const v = getAttr(span.attributes, 'http.response.status_code') ?? getAttr(span.attributes, 'http.status_code');
  const n = typeof v === 'bigint' || typeof v === 'number' ? Number(v) : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function errorTag(span: Span): boolean {
  const v = getAttr(span.attributes, 'error');
  // Zipkin marks errors by the mere presence of the tag (its value is the message); Jaeger uses a boolean.
  return v === true || (typeof v === 'string' && v !== 'false');
}

/** Why a span counts as an error, or undefined when it does not. */
export function errorReason(span: Span): string | undefined {
  if (span.status.code === StatusCode.ERROR) return span.status.message || 'status ERROR';
  if (span.kind === SpanKind.SERVER) {
    const code = httpStatus(span);
    if (code !== undefined && code >= 500 && code <= 599) return `HTTP ${code}`;
  }
  const exception = span.events.find((e) => e.name === 'exception');
  if (exception) {
    const type = getAttr(exception.attributes, 'exception.type');
    const message = getAttr(exception.attributes, 'exception.message');
    const text = [type, message].filter((x) => typeof x === 'string' && x !== '').join(': ');
    return text === '' ? 'exception' : `exception ${text}`;
  }
  if (errorTag(span)) {
    const v = getAttr(span.attributes, 'error');
    return typeof v === 'string' && v !== '' && v !== 'true' ? v : 'error tag';
  }
  return undefined;
}

/** Same rules as `errorReason`, without building the reason: it runs for every span of every trace. */
export function isErrorSpan(span: Span): boolean {
  if (span.status.code === StatusCode.ERROR) return true;
  if (span.kind === SpanKind.SERVER) {
    const code = httpStatus(span);
    if (code !== undefined && code >= 500 && code <= 599) return true;
  }
  for (const e of span.events) if (e.name === 'exception') return true;
  return errorTag(span);
}

const errorFlagsByTree = new WeakMap<TraceTree, Uint8Array>();

/** 1 for each error node. Computed once per tree: the error and dependency analyses both need it. */
export function errorFlags(tree: TraceTree): Uint8Array {
  let flags = errorFlagsByTree.get(tree);
  if (flags === undefined) {
    flags = new Uint8Array(tree.spans.length);
    for (let i = 0; i < flags.length; i++) if (isErrorSpan(tree.spans[i])) flags[i] = 1;
    errorFlagsByTree.set(tree, flags);
  }
  return flags;
}

export interface ErrorAnalysis {
  /** Error nodes in depth-first order. */
  errorNodes: number[];
  /** Error nodes with no error anywhere below them. */
  rootCauseNodes: number[];
}

export function analyzeErrors(tree: TraceTree): ErrorAnalysis {
  const n = tree.spans.length;
  const isError = errorFlags(tree);
  const errorBelow = new Uint8Array(n);
  for (let k = n - 1; k >= 0; k--) {
    const i = tree.preorder[k];
    const p = tree.parent[i];
    if (p >= 0 && (isError[i] || errorBelow[i])) errorBelow[p] = 1;
  }
  const errorNodes: number[] = [];
  const rootCauseNodes: number[] = [];
  for (const i of tree.preorder) {
    if (!isError[i]) continue;
    errorNodes.push(i);
    if (!errorBelow[i]) rootCauseNodes.push(i);
  }
  return { errorNodes, rootCauseNodes };
}
