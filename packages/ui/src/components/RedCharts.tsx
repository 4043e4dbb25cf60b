import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { RedPoint, RedResult } from '../lib/api-types.js';
import { formatDuration, formatPercent, formatRate, rateUnit } from '../lib/format.js';
import { cssVar, useTheme } from '../lib/theme.js';
import { UPlotChart, themeAxis } from './UPlotChart.js';

/**
 * The API lists only buckets that saw requests; for a chart, quiet buckets across the whole window are zeros
 * (latency stays a gap). Buckets keep the server's alignment: every bucket is a whole number of steps away.
 */
function fillBuckets(red: RedResult, range: { start: bigint; end: bigint }): RedPoint[] {
  const step = BigInt(red.stepNano);
  if (red.series.length === 0 || step <= 0n || (range.end - range.start) / step > 2000n) return red.series;
  const byT = new Map(red.series.map((p) => [BigInt(p.t), p]));
  const t0 = BigInt(red.series[0].t);
  const first = t0 - ((t0 - range.start) / step) * step;
  const out: RedPoint[] = [];
  for (let t = first; t < range.end; t += step) {
    out.push(byT.get(t) ?? { t: `${t}`, count: 0, errorCount: 0, rate: 0, errorRate: 0, p50Nano: '0', p95Nano: '0', p99Nano: '0' });
  }
  return out.length >= red.series.length ? out : red.series;
}

/** Request rate, error rate and latency percentiles over time, as three small uPlot charts. */
export function RedCharts(props: { red: RedResult; range: { start: bigint; end: bigint } }) {
  const theme = useTheme();
  const series = useMemo(() => fillBuckets(props.red, props.range), [props.red, props.range]);
  const red = { ...props.red, series };
  const xs = useMemo(() => series.map((p) => Number(BigInt(p.t) / 1000n) / 1e6), [series]);
  const maxRate = useMemo(() => Math.max(0, ...series.map((p) => p.rate)), [series]);
  const charts = useMemo(() => {
    const axis = themeAxis();
    // One unit per axis: ticks reading "0.5/s, 30/min, 1.0/h" side by side would not compare.
    const unit = rateUnit(maxRate);
    const rateFmt = (v: number) => formatRate(v, unit);
    const accent = cssVar('--accent', '#2563eb');
    const err = cssVar('--error', '#d0302f');
    const warn = cssVar('--warn', '#b7791f');
    const base = (yFmt: (v: number) => string, series: uPlot.Series[]): Omit<uPlot.Options, 'width'> => ({
      height: 170,
      legend: { show: true, live: true },
      // Away from the cursor the legend shows the latest bucket instead of "--".
      hooks: { ready: [showLatest], setCursor: [showLatest], setData: [showLatest] },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [{ ...axis }, { ...axis, size: 64, values: (_u, vals) => vals.map((v) => (v === 0 ? '0' : yFmt(v))) }],
      series: [{}, ...series],
    });
    const line = (label: string, stroke: string, fmt: (v: number) => string, fill?: string): uPlot.Series => ({
      label,
      stroke,
      fill,
      width: 1.5,
      // A lone bucket has no line to draw; its point must show.
      points: { show: (u: uPlot, _si: number) => u.data[0].length < 3, size: 6 },
      value: (_u, v) => (v === null ? '–' : fmt(v)),
    });
    const ms = (v: number) => formatDuration(v * 1e6);
    return {
      rate: base(rateFmt, [line('requests', accent, rateFmt, `${accent}22`)]),
      errors: base((v) => formatPercent(v), [line('error rate', err, (v) => formatPercent(v), `${err}22`)]),
      // Latency has gaps where no request came, so isolated buckets need their points drawn.
      latency: base(ms, [line('p50', accent, ms), line('p95', warn, ms), line('p99', err, ms)].map((s) => ({ ...s, points: { show: true, size: 4 } }))),
    };
  }, [theme, maxRate]);
  const data = useMemo(() => {
    const nano = (s: string) => Number(s) / 1e6;
    return {
      rate: [xs, red.series.map((p) => p.rate)] as uPlot.AlignedData,
      errors: [xs, red.series.map((p) => p.errorRate)] as uPlot.AlignedData,
      latency: [
        xs,
        red.series.map((p) => (p.count ? nano(p.p50Nano) : null)),
        red.series.map((p) => (p.count ? nano(p.p95Nano) : null)),
        red.series.map((p) => (p.count ? nano(p.p99Nano) : null)),
      ] as uPlot.AlignedData,
    };
  }, [xs, series]);
  if (red.series.length === 0) return <div className="panel muted">No requests in this time range.</div>;
  return (
    <div className="charts">
      <div className="panel chart-card">
        <h3>Request rate</h3>
        <UPlotChart opts={charts.rate} data={data.rate} />
      </div>
      <div className="panel chart-card">
        <h3>Error rate</h3>
        <UPlotChart opts={charts.errors} data={data.errors} />
      </div>
      <div className="panel chart-card">
        <h3>Latency</h3>
        <UPlotChart opts={charts.latency} data={data.latency} />
      </div>
    </div>
  );
}

function showLatest(u: uPlot): void {
  const n = u.data[0]?.length ?? 0;
  if (n > 0 && u.cursor.idx == null) u.setLegend({ idx: n - 1 });
}

/** The /api/v1/red path for a service (null = all) over a window, with about 60 points. */
export function redPath(service: string | null, range: { start: bigint; end: bigint }): string {
  const q = new URLSearchParams();
  if (service) q.set('service', service);
  q.set('start', `${range.start}`);
  q.set('end', `${range.end}`);
  const step = (range.end - range.start) / 60n;
  if (step > 0n) q.set('step', `${step}`);
  return `/api/v1/red?${q.toString()}`;
}
