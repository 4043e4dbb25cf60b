import { useEffect, useMemo, useRef, useState, type PointerEvent, type WheelEvent } from 'react';
import { useApi } from '../lib/api.js';
import type { DependencyEdge, DependencyGraph } from '../lib/api-types.js';
import { errorRateColor, serviceColor } from '../lib/colors.js';
import { formatCount, formatDuration, formatPercent } from '../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../lib/router.js';
import { lookbackRange } from '../lib/time-range.js';
import { ErrorMessage, Loading, Message, NoDataYet } from '../components/Message.js';
import { LookbackSelect } from '../components/LookbackSelect.js';
import { ServiceRed } from './ServicesPage.js';
import { SUB_LABEL_MIN_H, edgeLabel, layoutGraph, nodeSubLabel, type GraphLayout } from '../map/graph-layout.js';

/** More services than this are not legible in one picture; the busiest are shown unless the user asks for all. */
const MAX_NODES = 100;

/** The `limit` services with the most calls (in or out) and the links among them. */
function busiest(graph: DependencyGraph, limit: number): DependencyGraph {
  if (graph.nodes.length <= limit) return graph;
  const traffic = new Map<string, number>();
  for (const e of graph.edges) {
    traffic.set(e.parent, (traffic.get(e.parent) ?? 0) + e.callCount);
    traffic.set(e.child, (traffic.get(e.child) ?? 0) + e.callCount);
  }
  const keep = new Set(
    graph.nodes
      .map((n) => n.service)
      .sort((a, b) => (traffic.get(b) ?? 0) - (traffic.get(a) ?? 0))
      .slice(0, limit),
  );
  const kept = (e: { parent: string; child: string }) => keep.has(e.parent) && keep.has(e.child);
  return { nodes: graph.nodes.filter((n) => keep.has(n.service)), edges: graph.edges.filter(kept), operationEdges: graph.operationEdges.filter(kept) };
}

/** /map?lookback=&service=&edge=&all=: the service dependency graph, with RED charts for the picked service. */
export function MapPage() {
  const loc = useLocation();
  const lookback = loc.search.get('lookback') ?? '';
  const selected = loc.search.get('service');
  const edgeParam = loc.search.get('edge');
  const path = useMemo(() => {
    const r = lookbackRange(lookback);
    return withQuery('/api/v1/dependencies', { start: r.start.toString(), end: r.end.toString() });
  }, [lookback]);
  const deps = useApi<DependencyGraph>(path);
  const showAll = loc.search.get('all') === '1';
  const shown = useMemo(() => (deps.data ? busiest(deps.data, showAll ? Infinity : MAX_NODES) : undefined), [deps.data, showAll]);
  const [layout, setLayout] = useState<{ graph: DependencyGraph; layout: GraphLayout } | { error: Error } | null>(null);
  const [filter, setFilter] = useState('');

  useEffect(() => {
    if (!shown) return;
    let live = true;
    setLayout(null);
    const graph = shown;
    layoutGraph(graph).then(
      (l) => live && setLayout({ graph, layout: l }),
      (error: Error) => live && setLayout({ error }),
    );
    return () => {
      live = false;
    };
  }, [shown]);

  // Picking a service or an edge is a step Back can undo; the time range and "show all" are settings.
  const set = (patch: Record<string, string | null>) =>
    navigate(withQuery('/map', { lookback, service: selected, edge: edgeParam, all: showAll ? '1' : null, ...patch }), {
      replace: !('service' in patch || 'edge' in patch),
    });

  let body;
  if (deps.error) body = <ErrorMessage error={deps.error} what="the dependency graph" />;
  else if (!deps.data) body = <Loading what="dependencies" />;
  else if (deps.data.nodes.length === 0) body = lookback ? <Message title="No calls in this time range">Pick a longer time range.</Message> : <NoDataYet />;
  else if (!layout) body = <Loading what={`layout of ${deps.data.nodes.length} services`} />;
  else if ('error' in layout) body = <ErrorMessage error={layout.error} what="the graph layout" />;
  else {
    const edge = edgeParam === null ? null : (layout.graph.edges[Number(edgeParam)] ?? null);
    const hidden = deps.data.nodes.length - layout.graph.nodes.length;
    body = (
      <div className="map-body">
        {hidden > 0 && (
          <div className="callout warn map-note">
            Showing the {layout.graph.nodes.length} busiest of {formatCount(deps.data.nodes.length)} services.
            <button className="small secondary" onClick={() => set({ all: '1' })}>
              Show all (slow layout)
            </button>
          </div>
        )}
        <GraphView
          graph={layout.graph}
          layout={layout.layout}
          selected={selected}
          selectedEdge={edge ? Number(edgeParam) : null}
          filter={filter}
          onNode={(s) => set({ service: s === selected ? null : s, edge: null })}
          onEdge={(i) => set({ edge: String(i), service: null })}
        />
        {(selected || edge) && (
          <aside className="map-side panel">
            {selected && (
              <>
                <div className="toolbar">
                  <span className="dot" style={{ background: serviceColor(selected) }} />
                  <h2 style={{ margin: 0 }}>{selected}</h2>
                  <span className="grow" />
                  <button className="ghost small" onClick={() => set({ service: null })}>
                    ✕
                  </button>
                </div>
                <div className="toolbar" style={{ margin: '6px 0' }}>
                  <Link to={withQuery('/search', { service: selected, lookback })}>Traces →</Link>
                  <Link to={withQuery('/services', { service: selected, lookback })}>Operations →</Link>
                </div>
                <ServiceRed service={selected} lookback={lookback} compact />
              </>
            )}
            {edge && <EdgePanel edge={edge} lookback={lookback} onClose={() => set({ edge: null })} />}
          </aside>
        )}
      </div>
    );
  }

  return (
    <div className="map-page">
      <div className="toolbar">
        <h1>Service map</h1>
        <LookbackSelect value={lookback} onChange={(v) => set({ lookback: v })} />
        <input type="search" placeholder="Highlight service…" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <span className="grow" />
        <div className="legend">
          <span>edge colour = error rate:</span>
          <span>
            <i style={{ background: 'var(--edge-ok)' }} />0%
          </span>
          <span>
            <i style={{ background: 'var(--edge-warn)' }} />
            &lt;5%
          </span>
          <span>
            <i style={{ background: 'var(--edge-bad)' }} />
            ≥5%
          </span>
          <span>node size = traffic · dashed = not instrumented</span>
        </div>
      </div>
      {body}
    </div>
  );
}

function EdgePanel({ edge, lookback, onClose }: { edge: DependencyEdge; lookback: string; onClose: () => void }) {
  return (
    <>
      <div className="toolbar">
        <h2 style={{ margin: 0 }}>
          {edge.parent} → {edge.child}
        </h2>
        <span className="grow" />
        <button className="ghost small" onClick={onClose}>
          ✕
        </button>
      </div>
      <table className="kv" style={{ margin: '10px 0' }}>
        <tbody>
          <tr><td className="k">calls</td><td className="v">{formatCount(edge.callCount)}</td></tr>
          <tr><td className="k">errors</td><td className="v">{formatCount(edge.errorCount)} ({formatPercent(edge.errorRate)})</td></tr>
          <tr><td className="k">p50 / p95 / p99</td><td className="v">{formatDuration(edge.p50Nano)} / {formatDuration(edge.p95Nano)} / {formatDuration(edge.p99Nano)}</td></tr>
        </tbody>
      </table>
      <div className="toolbar">
        <Link to={withQuery('/search', { service: edge.child, parentService: edge.parent, lookback })}>
          <span>Traces through this call →</span>
        </Link>
        {edge.errorCount > 0 && (
          <Link to={withQuery('/search', { service: edge.child, parentService: edge.parent, status: 'error', lookback })}>
            Failing ones →
          </Link>
        )}
        {edge.exampleTraceId && <Link to={`/trace/${edge.exampleTraceId}`}>Example trace →</Link>}
      </div>
    </>
  );
}

/** The SVG graph with wheel zoom and drag pan. Labels show only where they stay readable. */
function GraphView(props: {
  graph: DependencyGraph;
  layout: GraphLayout;
  selected: string | null;
  selectedEdge: number | null;
  filter: string;
  onNode: (service: string) => void;
  onEdge: (index: number) => void;
}) {
  const { graph, layout, selected, filter } = props;
  const box = useRef<HTMLDivElement>(null);
  const [tf, setTf] = useState({ x: 0, y: 0, k: 1 });
  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);

  const fit = () => {
    const el = box.current;
    if (!el) return;
    const whole = Math.min(1.5, (el.clientWidth - 40) / Math.max(1, layout.width), (el.clientHeight - 40) / Math.max(1, layout.height));
    // Shrinking a big graph until it fits makes every label unreadable: stop at a readable size, centred.
    const k = Math.max(whole, layout.nodes.length > 40 ? 0.4 : 0);
    setTf({ k, x: (el.clientWidth - layout.width * k) / 2, y: (el.clientHeight - layout.height * k) / 2 });
  };
  useEffect(fit, [layout]);

  const focus = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const center = selected;
    if (!center && !q && props.selectedEdge === null) return null;
    const set = new Set<string>();
    if (q) for (const n of graph.nodes) if (n.service.toLowerCase().includes(q)) set.add(n.service);
    if (center) {
      set.add(center);
      for (const e of graph.edges) {
        if (e.parent === center) set.add(e.child);
        if (e.child === center) set.add(e.parent);
      }
    }
    if (props.selectedEdge !== null) {
      const e = graph.edges[props.selectedEdge];
      if (e) set.add(e.parent).add(e.child);
    }
    return set;
  }, [graph, selected, filter, props.selectedEdge]);

  const edgeVisible = (p: string, c: string) =>
    !focus || (selected ? p === selected || c === selected : focus.has(p) && focus.has(c));
  const manyEdges = layout.edges.length > 120;
  const maxCalls = Math.max(1, ...graph.edges.map((e) => e.callCount));

  const onWheel = (e: WheelEvent<HTMLDivElement>) => {
    const r = box.current!.getBoundingClientRect();
    const px = e.clientX - r.left;
    const py = e.clientY - r.top;
    const f = Math.exp(-e.deltaY * 0.0015);
    setTf((t) => {
      const k = Math.min(4, Math.max(0.05, t.k * f));
      return { k, x: px - ((px - t.x) * k) / t.k, y: py - ((py - t.y) * k) / t.k };
    });
  };
  const onDown = (e: PointerEvent<HTMLDivElement>) => {
    drag.current = { x: e.clientX, y: e.clientY, moved: false };
  };
  const onMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!d.moved) e.currentTarget.setPointerCapture(e.pointerId);
    d.moved = true;
    d.x = e.clientX;
    d.y = e.clientY;
    setTf((t) => ({ ...t, x: t.x + dx, y: t.y + dy }));
  };
  const onUp = () => {
    // Keep `moved` visible to the click handlers that run right after pointerup.
    setTimeout(() => (drag.current = null), 0);
  };
  const clickGuard = (fn: () => void) => () => {
    if (!drag.current?.moved) fn();
  };

  return (
    <div className="map-canvas" ref={box} onWheel={onWheel} onPointerDown={onDown} onPointerMove={onMove} onPointerUp={onUp}>
      <svg role="img" aria-label="Service dependency graph">
        <defs>
          {(['ok', 'warn', 'bad'] as const).map((k) => (
            <marker key={k} id={`arrow-${k}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
              <path d="M0,0L10,5L0,10z" style={{ fill: `var(--edge-${k})` }} />
            </marker>
          ))}
        </defs>
        <g transform={`translate(${tf.x},${tf.y}) scale(${tf.k})`}>
          {layout.edges.map((pe) => {
            const e = graph.edges[pe.index];
            const color = errorRateColor(e.errorRate);
            const marker = e.errorRate <= 0 ? 'ok' : e.errorRate < 0.05 ? 'warn' : 'bad';
            const visible = edgeVisible(e.parent, e.child);
            const isSel = props.selectedEdge === pe.index;
            const showLabel = isSel || (visible && (!manyEdges || (focus !== null && tf.k > 0.5)) && tf.k > 0.35);
            const width = 1 + 3 * (Math.log10(e.callCount + 1) / Math.log10(maxCalls + 1));
            return (
              <g
                key={pe.index}
                className={`dependency-edge${visible ? '' : ' faded'}`}
                data-testid="dependency-edge"
                data-parent={e.parent}
                data-child={e.child}
                onClick={clickGuard(() => props.onEdge(pe.index))}
              >
                <title>
                  {`${e.parent} → ${e.child}: ${formatCount(e.callCount)} calls, ${formatPercent(e.errorRate)} errors, p95 ${formatDuration(e.p95Nano)}`}
                </title>
                <path className="hit" d={pe.d} />
                <path
                  className="line"
                  d={pe.d}
                  style={{ stroke: color, strokeWidth: isSel ? width + 2 : width, opacity: manyEdges && !focus ? 0.45 : 0.9 }}
                  markerEnd={`url(#arrow-${marker})`}
                />
                {showLabel && (
                  <text x={pe.labelX} y={pe.labelY} textAnchor="middle">
                    {edgeLabel(e)}
                  </text>
                )}
              </g>
            );
          })}
          {layout.nodes.map((n) => {
            const faded = focus !== null && !focus.has(n.service);
            const errRate = n.callCount ? n.errorCount / n.callCount : 0;
            return (
              <g
                key={n.service}
                className={`service-node${n.virtual ? ' virtual' : ''}${n.service === selected ? ' selected' : ''}${faded ? ' faded' : ''}`}
                data-testid="service-node"
                data-service={n.service}
                transform={`translate(${n.x},${n.y})`}
                onClick={clickGuard(() => props.onNode(n.service))}
              >
                <title>{`${n.service}: ${formatCount(n.callCount)} calls, ${formatCount(n.errorCount)} errors`}</title>
                <rect width={n.w} height={n.h} rx={8} style={{ stroke: errRate > 0.05 ? 'var(--edge-bad)' : serviceColor(n.service) }} />
                <rect width={5} height={n.h} rx={2} style={{ fill: serviceColor(n.service), stroke: 'none' }} />
                <text x={14} y={n.h / 2 - (n.h >= SUB_LABEL_MIN_H ? 4 : 0)} dominantBaseline="middle">
                  {n.service.length > 40 ? `${n.service.slice(0, 39)}…` : n.service}
                </text>
                {n.h >= SUB_LABEL_MIN_H && (
                  <text className="sub" x={14} y={n.h / 2 + 11} dominantBaseline="middle">
                    {nodeSubLabel(n)}
                  </text>
                )}
              </g>
            );
          })}
        </g>
      </svg>
      <div className="zoom-controls">
        <button className="small secondary" onClick={() => setTf((t) => ({ ...t, k: t.k * 1.25 }))} title="Zoom in">
          +
        </button>
        <button className="small secondary" onClick={() => setTf((t) => ({ ...t, k: t.k / 1.25 }))} title="Zoom out">
          −
        </button>
        <button className="small secondary" onClick={fit} title="Fit to screen">
          ⤢
        </button>
      </div>
    </div>
  );
}
