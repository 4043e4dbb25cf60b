import { useEffect, useMemo, useRef, useState, type PointerEvent } from 'react';
import type uPlot from 'uplot';
import { parseTraceQL, type Query } from '@sextant/core';
import { enc, useApi } from '../lib/api.js';
import { Link, navigate, updateQuery, useLocation, withQuery } from '../lib/router.js';
import { lookbackRange } from '../lib/time-range.js';
import { formatDuration, formatLocalTime } from '../lib/format.js';
import { cssVar } from '../lib/theme.js';
import { UPlotChart, themeAxis } from '../components/UPlotChart.js';
import { ErrorMessage, Loading, Message } from '../components/Message.js';
import { traceQLToSearchParams } from './search-traceql.js';

interface AnyValue {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface TempoSeries {
  labels: { key: string; value: AnyValue }[];
  samples: { timestampMs: string; value: number }[];
  exemplars: { labels: { key: string; value: AnyValue }[]; value: number; timestampMs: string }[];
  promLabels: string;
}
interface RangeResponse {
  series: TempoSeries[];
  metrics: { inspectedTraces: number; inspectedSpans: string };
  status?: string;
  message?: string;
}

const FUNCTIONS: [string, string][] = [
  ['rate', 'rate() — spans per second'],
  ['p50', 'quantile_over_time(duration, .5)'],
  ['p90', 'quantile_over_time(duration, .9)'],
  ['p99', 'quantile_over_time(duration, .99)'],
  ['heatmap', 'histogram_over_time(duration) — heatmap'],
];

const valueOf = (v: AnyValue) => v.stringValue ?? v.intValue ?? (v.doubleValue !== undefined ? String(v.doubleValue) : v.boolValue !== undefined ? String(v.boolValue) : 'nil');

/** The metrics query the controls stand for: the spanset part of `q`, then the chosen function and grouping. */
export function metricsQueryText(q: string, fn: string, by: string): string {
  const base = q.replace(/\|\s*(rate|count_over_time|quantile_over_time|histogram_over_time|min_over_time|max_over_time|avg_over_time|sum_over_time|compare)\s*\(.*$/s, '').trim();
  const call = fn === 'rate' ? 'rate()' : fn === 'heatmap' ? 'histogram_over_time(duration)' : `quantile_over_time(duration, .${fn.slice(1)})`;
  return `${base} | ${call}${by.trim() ? ` by(${by.trim()})` : ''}`;
}

function stepFor(startNano: bigint, endNano: bigint): string {
  const seconds = Number((endNano - startNano) / 1_000_000_000n);
  return `${Math.max(1, Math.round(seconds / 120))}s`;
}

export function TraceQLMetrics({ q, lookback }: { q: string; lookback: string }) {
  const loc = useLocation();
  const fn = loc.search.get('fn') ?? 'rate';
  const by = loc.search.get('by') ?? '';
  const [byDraft, setByDraft] = useState(by);
  const text = metricsQueryText(q, fn, by);
  const range = useMemo(() => lookbackRange(lookback), [lookback, text]);
  const res = useApi<RangeResponse>(`/api/metrics/query_range?q=${enc(text)}&start=${range.start}&end=${range.end}&step=${stepFor(range.start, range.end)}&exemplars=40`);
  let parsed: Query | null = null;
  try {
    parsed = parseTraceQL(text);
  } catch {
    parsed = null;
  }
  return (
    <section aria-label="TraceQL metrics" data-testid="traceql-metrics">
      <div className="panel traceql-metrics-controls">
        <select aria-label="Metric" value={fn} onChange={(e) => updateQuery({ fn: e.target.value === 'rate' ? null : e.target.value })} data-testid="traceql-fn">
          {FUNCTIONS.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            updateQuery({ by: byDraft.trim() || null });
          }}
        >
          <label>
            by(
            <input aria-label="Group by" value={byDraft} placeholder="resource.service.name" onChange={(e) => setByDraft(e.target.value)} data-testid="traceql-by" />)
          </label>
        </form>
        <code className="muted" data-testid="traceql-metrics-query">{text}</code>
      </div>
      {res.error ? (
        <ErrorMessage error={res.error} what="TraceQL metrics" />
      ) : !res.data ? (
        <Loading what="TraceQL metrics" />
      ) : res.data.series.length === 0 ? (
        <Message title="No spans match">Nothing in this time range matches the query.</Message>
      ) : fn === 'heatmap' && parsed ? (
        <Heatmap series={res.data.series} query={parsed} />
      ) : (
        <TimeSeries series={res.data.series} seconds={fn !== 'rate'} />
      )}
      {res.data && (
        <p className="muted">
          Inspected {res.data.metrics.inspectedTraces} traces ({res.data.metrics.inspectedSpans} spans)
          {res.data.status === 'PARTIAL' && ` — partial: ${res.data.message}`}.
        </p>
      )}
    </section>
  );
}

function seriesName(s: TempoSeries): string {
  return s.labels.length === 0 ? 'all' : s.labels.map((l) => `${l.key}=${valueOf(l.value)}`).join(', ');
}

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

function TimeSeries({ series, seconds }: { series: TempoSeries[]; seconds: boolean }) {
  const { opts, data } = useMemo(() => {
    const times = [...new Set(series.flatMap((s) => s.samples.map((p) => Number(p.timestampMs))))].sort((a, b) => a - b);
    const index = new Map(times.map((t, i) => [t, i]));
    const cols = series.map((s) => {
      const col: (number | null)[] = times.map(() => null);
      for (const p of s.samples) col[index.get(Number(p.timestampMs))!] = seconds ? p.value * 1000 : p.value;
      return col;
    });
    const o: Omit<uPlot.Options, 'width'> = {
      height: 260,
      series: [{}, ...series.map((s, i) => ({ label: seriesName(s), stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: false }))],
      axes: [{ ...themeAxis() }, { ...themeAxis(), label: seconds ? 'ms' : 'spans/s', size: 60 }],
      scales: { x: { time: true } },
    };
    return { opts: o, data: [times.map((t) => t / 1000), ...cols] as uPlot.AlignedData };
  }, [series, seconds]);
  const exemplars = series.flatMap((s) => s.exemplars.map((e) => ({ ...e, series: seriesName(s) }))).slice(0, 30);
  return (
    <div className="panel">
      <UPlotChart opts={opts} data={data} />
      {exemplars.length > 0 && (
        <details open>
          <summary>Exemplars</summary>
          <ul className="traceql-exemplars">
            {exemplars.map((e, i) => {
              const trace = valueOf(e.labels.find((l) => l.key === 'trace:id')!.value);
              const span = valueOf(e.labels.find((l) => l.key === 'span:id')!.value);
              return (
                <li key={i}>
                  <Link to={`/trace/${trace}?span=${span}`} data-testid="traceql-exemplar">
                    {formatLocalTime(BigInt(e.timestampMs) * 1_000_000n)}
                  </Link>{' '}
                  <span className="muted">{e.series} · {seconds ? formatDuration(Math.round(e.value * 1e9)) : e.value.toFixed(3)}</span>
                </li>
              );
            })}
          </ul>
        </details>
      )}
    </div>
  );
}

interface Cell {
  col: number;
  row: number;
  count: number;
}

/**
 * A Honeycomb-style latency heatmap: time across, power-of-two duration buckets up, colour by span count.
 * Exemplars are dots that open their trace; dragging a box selects spans by time and duration and opens the
 * cohort comparison of those spans' traces against the rest of the query's window.
 */
function Heatmap({ series, query }: { series: TempoSeries[]; query: Query }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ x0: number; y0: number; x1: number; y1: number } | null>(null);
  const model = useMemo(() => {
    const bucketOf = (s: TempoSeries) => Number(valueOf(s.labels.find((l) => l.key === '__bucket')!.value));
    // Every power of two between the fastest and the slowest bucket gets a row, so that empty bands show.
    const seen = series.map(bucketOf);
    const top = Math.max(...seen);
    const buckets: number[] = [];
    for (let b = Math.min(...seen); b <= top * 1.000001; b *= 2) buckets.push(b);
    const times = [...new Set(series.flatMap((s) => s.samples.map((p) => Number(p.timestampMs))))].sort((a, b) => a - b);
    const col = new Map(times.map((t, i) => [t, i]));
    const row = new Map(buckets.map((b, i) => [b, i]));
    const cells: Cell[] = [];
    let max = 0;
    for (const s of series) {
      for (const p of s.samples) {
        if (p.value <= 0) continue;
        cells.push({ col: col.get(Number(p.timestampMs))!, row: row.get(bucketOf(s))!, count: p.value });
        max = Math.max(max, p.value);
      }
    }
    const exemplars = series.flatMap((s) => s.exemplars.map((e) => ({ e, row: row.get(bucketOf(s))! })));
    const stepMs = times.length > 1 ? times[1] - times[0] : 60_000;
    return { buckets, times, cells, max, exemplars, stepMs };
  }, [series]);

  const W = 900;
  const H = 300;
  const cw = W / Math.max(1, model.times.length);
  const rh = H / Math.max(1, model.buckets.length);

  useEffect(() => {
    const c = canvas.current!;
    const dpr = window.devicePixelRatio || 1;
    c.width = W * dpr;
    c.height = H * dpr;
    const g = c.getContext('2d')!;
    g.scale(dpr, dpr);
    g.clearRect(0, 0, W, H);
    const hot = cssVar('--accent', '#f28e2b');
    for (const cell of model.cells) {
      // Log scale: one slow span in a step must still show against a thousand fast ones.
      g.globalAlpha = 0.15 + 0.85 * (Math.log1p(cell.count) / Math.log1p(model.max));
      g.fillStyle = hot;
      g.fillRect(cell.col * cw, H - (cell.row + 1) * rh, Math.max(1, cw - 1), Math.max(1, rh - 1));
    }
    g.globalAlpha = 1;
  }, [model, cw, rh]);

  const pos = (e: PointerEvent) => {
    const r = box.current!.getBoundingClientRect();
    return { x: Math.min(W, Math.max(0, ((e.clientX - r.left) / r.width) * W)), y: Math.min(H, Math.max(0, ((e.clientY - r.top) / r.height) * H)) };
  };
  const sel = drag && Math.abs(drag.x1 - drag.x0) > 3 && Math.abs(drag.y1 - drag.y0) > 3 ? drag : null;
  const selection = sel && (() => {
    const c0 = Math.floor(Math.min(sel.x0, sel.x1) / cw);
    const c1 = Math.min(model.times.length - 1, Math.floor(Math.max(sel.x0, sel.x1) / cw));
    const r0 = Math.max(0, Math.floor((H - Math.max(sel.y0, sel.y1)) / rh));
    const r1 = Math.min(model.buckets.length - 1, Math.floor((H - Math.min(sel.y0, sel.y1)) / rh));
    const startMs = model.times[c0];
    const endMs = model.times[c1] + model.stepMs;
    // A power-of-two bucket b holds durations in (b/2, b].
    const minNano = Math.floor((model.buckets[r0] / 2) * 1e9);
    const maxNano = Math.ceil(model.buckets[r1] * 1e9);
    const spans = model.cells.filter((c) => c.col >= c0 && c.col <= c1 && c.row >= r0 && c.row <= r1).reduce((a, c) => a + c.count, 0);
    return { startMs, endMs, minNano, maxNano, spans };
  })();

  const compare = () => {
    if (!selection) return;
    const base = traceQLToSearchParams(query);
    base.set('start', `${BigInt(Math.floor(selection.startMs)) * 1_000_000n}`);
    base.set('end', `${BigInt(Math.ceil(selection.endMs)) * 1_000_000n}`);
    const s = new URLSearchParams(base);
    s.set('minDuration', `${selection.minNano}`);
    s.set('maxDuration', `${selection.maxNano}`);
    navigate(withQuery('/compare', { selection: s.toString(), baseline: base.toString() }));
  };

  return (
    <div className="panel traceql-heatmap-panel">
      <div className="heatmap-axis muted">
        {formatDuration(Math.round(model.buckets[model.buckets.length - 1] * 1e9))} ↑ · ↓ {formatDuration(Math.round(model.buckets[0] * 1e9))}
      </div>
      <div
        ref={box}
        className="traceql-heatmap"
        data-testid="traceql-heatmap"
        data-cells={model.cells.length}
        style={{ position: 'relative', aspectRatio: `${W} / ${H}` }}
        onPointerDown={(e) => {
          if ((e.target as HTMLElement).tagName === 'BUTTON') return;
          const p = pos(e);
          setDrag({ x0: p.x, y0: p.y, x1: p.x, y1: p.y });
          (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          if (drag && e.buttons === 1) {
            const p = pos(e);
            setDrag({ ...drag, x1: p.x, y1: p.y });
          }
        }}
      >
        <canvas ref={canvas} style={{ width: '100%', height: '100%' }} />
        {sel && (
          <div
            className="heatmap-selection"
            data-testid="heatmap-selection"
            style={{
              position: 'absolute',
              left: `${(Math.min(sel.x0, sel.x1) / W) * 100}%`,
              top: `${(Math.min(sel.y0, sel.y1) / H) * 100}%`,
              width: `${(Math.abs(sel.x1 - sel.x0) / W) * 100}%`,
              height: `${(Math.abs(sel.y1 - sel.y0) / H) * 100}%`,
            }}
          />
        )}
        {model.exemplars.map(({ e, row }, i) => {
          const t = Number(e.timestampMs);
          const col = Math.min(model.times.length - 1, Math.max(0, Math.floor((t - model.times[0]) / model.stepMs)));
          const trace = valueOf(e.labels.find((l) => l.key === 'trace:id')!.value);
          const span = valueOf(e.labels.find((l) => l.key === 'span:id')!.value);
          return (
            <button
              key={i}
              className="heatmap-exemplar"
              data-testid="heatmap-exemplar"
              title={`${formatDuration(Math.round(e.value * 1e9))} at ${formatLocalTime(BigInt(t) * 1_000_000n)}: open trace`}
              style={{ position: 'absolute', left: `${(((col + 0.5) * cw) / W) * 100}%`, top: `${((H - (row + 0.5) * rh) / H) * 100}%` }}
              onClick={() => navigate(`/trace/${trace}?span=${span}`)}
            />
          );
        })}
      </div>
      <div className="heatmap-axis muted">
        {formatLocalTime(BigInt(model.times[0]) * 1_000_000n)} → {formatLocalTime(BigInt(model.times[model.times.length - 1] + model.stepMs) * 1_000_000n)}
      </div>
      {selection && (
        <p data-testid="heatmap-selection-summary">
          <b>{selection.spans} spans selected</b> ({formatDuration(selection.minNano)} – {formatDuration(selection.maxNano)}).{' '}
          <button className="small" onClick={compare} data-testid="heatmap-compare">
            Compare their traces with the rest
          </button>
        </p>
      )}
    </div>
  );
}
