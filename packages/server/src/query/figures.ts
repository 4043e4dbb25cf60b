/** Figures derived from the store's aggregates for the API: error rates, request rates, shares of time. */
import type { DependencyFigures, DependencyGraph, RedFigures, RedResult } from '@sextant/core';
import { QueryError } from '../storage/contract.js';

const errorRate = (count: number, errors: number) => (count ? errors / count : 0);

export function dependencyFigures(graph: DependencyGraph): DependencyFigures {
  return {
    nodes: graph.nodes,
    edges: graph.edges.map((e) => ({ ...e, errorRate: errorRate(e.callCount, e.errorCount) })),
    operationEdges: graph.operationEdges.map((e) => ({ ...e, errorRate: errorRate(e.callCount, e.errorCount) })),
  };
}

const MAX_BUCKETS = 10_000n;

/** The RED step: given, or a sixtieth of the window; QueryError if it would make too many buckets. */
export function redStep(startNano: bigint, endNano: bigint, stepNano: bigint | undefined): bigint {
  const step = stepNano ?? ((endNano - startNano) / 60n || 1n);
  if (step <= 0n) throw new QueryError('step must be positive');
  if ((endNano - startNano) / step > MAX_BUCKETS) throw new QueryError('step is too small for the window (more than 10,000 buckets)');
  return step;
}

export function redFigures(red: RedResult, startNano: bigint, endNano: bigint, stepNano: bigint): Omit<RedFigures, 'service' | 'stepNano'> {
  const seconds = Number(stepNano) / 1e9;
  const totalTime = red.operations.reduce((a, o) => a + o.totalNano, 0n);
  return {
    series: red.series.map((p) => ({ ...p, rate: p.count / seconds, errorRate: errorRate(p.count, p.errorCount) })),
    operations: red.operations.map((o) => ({
      ...o,
      rate: o.count / (Number(endNano - startNano) / 1e9),
      errorRate: errorRate(o.count, o.errorCount),
      impact: totalTime > 0n ? Number(o.totalNano) / Number(totalTime) : 0,
    })),
  };
}
