import ELK, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk-api.js';
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import type { DependencyEdge, DependencyGraph, DependencyNode } from '../lib/api-types.js';
import { formatCount, formatDuration, formatPercent } from '../lib/format.js';

// ELK runs in a worker: a 100-service, 4k-link graph takes long enough to freeze the page if laid out inline.
let elk: InstanceType<typeof ELK> | null = null;
function engine() {
  return (elk ??= new ELK({ workerUrl: elkWorkerUrl }));
}

export interface PlacedNode {
  service: string;
  x: number;
  y: number;
  w: number;
  h: number;
  callCount: number;
  errorCount: number;
  virtual: boolean;
}

export interface PlacedEdge {
  index: number;
  parent: string;
  child: string;
  /** SVG path data. */
  d: string;
  labelX: number;
  labelY: number;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

const CHAR_W = 7.2;
const SUB_CHAR_W = 6.4;
const LABEL_CHAR_W = 6.3;
/** Nodes at least this tall show their second line (calls and errors). */
export const SUB_LABEL_MIN_H = 40;

/** The second line of a node: its traffic and error rate. */
export function nodeSubLabel(n: Pick<DependencyNode, 'callCount' | 'errorCount'>): string {
  const errRate = n.callCount ? n.errorCount / n.callCount : 0;
  return `${formatCount(n.callCount)} calls${n.errorCount ? ` · ${formatPercent(errRate)} err` : ''}`;
}

/** An edge's label: calls and p95 latency. */
export function edgeLabel(e: Pick<DependencyEdge, 'callCount' | 'p95Nano'>): string {
  return `${formatCount(e.callCount)} · p95 ${formatDuration(e.p95Nano)}`;
}

/** Node size grows with traffic (log scale) and fits both its lines of text. */
function nodeSize(n: DependencyNode, maxCalls: number): { w: number; h: number } {
  const t = maxCalls > 0 ? Math.log10(n.callCount + 1) / Math.log10(maxCalls + 1) : 0;
  const h = 34 + 22 * t;
  const text = Math.max(Math.min(n.service.length, 40) * CHAR_W, h >= SUB_LABEL_MIN_H ? nodeSubLabel(n).length * SUB_CHAR_W : 0);
  return { w: Math.max(90, text + 28) + 30 * t, h };
}

export async function layoutGraph(graph: DependencyGraph): Promise<GraphLayout> {
  const maxCalls = Math.max(0, ...graph.nodes.map((n) => n.callCount));
  const known = new Set(graph.nodes.map((n) => n.service));
  const big = graph.edges.length > 400;
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': big ? '120' : '90',
      'elk.spacing.nodeNode': big ? '14' : '28',
      'elk.spacing.edgeNode': '12',
      'elk.edgeRouting': big ? 'POLYLINE' : 'ORTHOGONAL',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      // Measured on the 4,271-link Jaeger sample: these keep a 150-service layout around two seconds.
      'elk.layered.thoroughness': big ? '1' : '7',
      'elk.layered.nodePlacement.strategy': big ? 'BRANDES_KOEPF' : 'NETWORK_SIMPLEX',
      'elk.separateConnectedComponents': 'true',
      'elk.edgeLabels.inline': 'false',
      // Room above the top row for self-call loops and their labels, which ELK leaves out of its layout.
      'elk.padding': '[top=44,left=16,bottom=16,right=16]',
      'elk.spacing.edgeLabel': '4',
    },
    children: graph.nodes.map((n) => ({ id: n.service, ...sizeOf(n) })),
    edges: graph.edges
      .map((e, i): ElkExtendedEdge | null =>
        known.has(e.parent) && known.has(e.child) && e.parent !== e.child
          ? {
              id: `e${i}`,
              sources: [e.parent],
              targets: [e.child],
              // ELK keeps room for each label between the layers, so labels never sit on nodes. Big graphs
              // hide labels until a service is focused, and their layout would not fit the time budget.
              labels: big ? undefined : [{ id: `l${i}`, text: edgeLabel(e), width: edgeLabel(e).length * LABEL_CHAR_W + 8, height: 14 }],
            }
          : null,
      )
      .filter((e): e is ElkExtendedEdge => e !== null),
  };
  function sizeOf(n: DependencyNode) {
    const s = nodeSize(n, maxCalls);
    return { width: s.w, height: s.h };
  }
  const out = await engine().layout(root);
  const byId = new Map(graph.nodes.map((n) => [n.service, n]));
  const nodes: PlacedNode[] = (out.children ?? []).map((c) => {
    const n = byId.get(c.id)!;
    return { service: c.id, x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? 0, h: c.height ?? 0, callCount: n.callCount, errorCount: n.errorCount, virtual: n.virtual };
  });
  const placed = new Map(nodes.map((n) => [n.service, n]));
  const edges: PlacedEdge[] = [];
  for (const e of (out.edges ?? []) as ElkExtendedEdge[]) {
    const index = Number(e.id.slice(1));
    const s = e.sections?.[0];
    if (!s) continue;
    const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
    const d = `M${pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('L')}`;
    const mid = pts[Math.floor(pts.length / 2)];
    const prev = pts[Math.floor(pts.length / 2) - 1] ?? mid;
    const label = e.labels?.[0];
    const at =
      label && label.x !== undefined && label.y !== undefined
        ? { labelX: label.x + (label.width ?? 0) / 2, labelY: label.y + (label.height ?? 0) / 2 + 4 }
        : { labelX: (mid.x + prev.x) / 2, labelY: (mid.y + prev.y) / 2 - 4 };
    edges.push({ index, parent: graph.edges[index].parent, child: graph.edges[index].child, d, ...at });
  }
  // Self-calls are drawn as a small loop above the node (ELK leaves them out of layered layout).
  graph.edges.forEach((e, index) => {
    const n = placed.get(e.parent);
    if (e.parent !== e.child || !n) return;
    const x = n.x + n.w / 2;
    edges.push({ index, parent: e.parent, child: e.child, d: `M${x - 10},${n.y}C${x - 24},${n.y - 30} ${x + 24},${n.y - 30} ${x + 10},${n.y}`, labelX: x, labelY: n.y - 26 });
  });
  return { nodes, edges, width: out.width ?? 0, height: out.height ?? 0 };
}
