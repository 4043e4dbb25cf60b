import { useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import type { TraceSummary } from '../lib/api-types.js';
import { formatDuration, formatLocalTime } from '../lib/format.js';
import { useTheme, cssVar } from '../lib/theme.js';
import { UPlotChart, themeAxis } from '../components/UPlotChart.js';

export interface ScatterSelection {
  startNano: bigint;
  endNano: bigint;
  minDurNano: bigint;
  maxDurNano: bigint;
  count: number;
}

/**
 * Trace duration against start time, one dot per trace (errors in red). Clicking a dot opens the trace;
 * dragging a box selects a cohort of traces.
 */
export function TraceScatter(props: {
  traces: TraceSummary[];
  onOpen: (traceId: string) => void;
  onSelect: (sel: ScatterSelection | null) => void;
}) {
  const theme = useTheme();
  const sorted = useMemo(
    () => props.traces.slice().sort((a, b) => (BigInt(a.startUnixNano) < BigInt(b.startUnixNano) ? -1 : 1)),
    [props.traces],
  );
  const data = useMemo<uPlot.AlignedData>(() => {
    const xs = sorted.map((t) => Number(BigInt(t.startUnixNano) / 1000n) / 1e6);
    const ok = sorted.map((t) => (t.errorCount ? null : Number(t.durationNano) / 1e6));
    const bad = sorted.map((t) => (t.errorCount ? Number(t.durationNano) / 1e6 : null));
    return [xs, ok, bad];
  }, [sorted]);
  const [hover, setHover] = useState<TraceSummary | null>(null);
  // uPlot keeps the handlers it was built with; they read the latest callbacks through this ref.
  const handlers = useRef(props);
  handlers.current = props;

  const opts = useMemo<Omit<uPlot.Options, 'width'>>(() => {
    const axis = themeAxis();
    const accent = cssVar('--accent', '#2563eb');
    const err = cssVar('--error', '#d0302f');
    const nearest = (u: uPlot, left: number, top: number): number => {
      let best = -1;
      let bestD = 144; // 12px radius
      const [xs, ok, bad] = u.data;
      for (let i = 0; i < xs.length; i++) {
        const y = (ok[i] ?? bad[i]) as number;
        const dx = u.valToPos(xs[i], 'x') - left;
        const dy = u.valToPos(y, 'y') - top;
        const d = dx * dx + dy * dy;
        if (d < bestD) (bestD = d), (best = i);
      }
      return best;
    };
    let downAt: [number, number] | null = null;
    return {
      height: 200,
      legend: { show: false },
      cursor: {
        drag: { x: true, y: true, setScale: false },
        points: { show: false },
        x: false,
        y: false,
      },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { ...axis },
        { ...axis, size: 64, values: (_u, vals) => vals.map((v) => formatDuration(v * 1e6)) },
      ],
      series: [
        {},
        { stroke: accent, fill: accent, paths: () => null, points: { show: true, size: 7, fill: accent, stroke: accent } },
        { stroke: err, fill: err, paths: () => null, points: { show: true, size: 8, fill: err, stroke: err } },
      ],
      hooks: {
        ready: [
          (u) => {
            u.over.addEventListener('mousedown', (e) => (downAt = [e.clientX, e.clientY]));
            u.over.addEventListener('click', (e) => {
              if (downAt && Math.abs(e.clientX - downAt[0]) + Math.abs(e.clientY - downAt[1]) > 4) return;
              const r = u.over.getBoundingClientRect();
              const i = nearest(u, e.clientX - r.left, e.clientY - r.top);
              if (i >= 0) handlers.current.onOpen(sorted[i].traceId);
            });
            u.over.addEventListener('mousemove', (e) => {
              const r = u.over.getBoundingClientRect();
              const i = nearest(u, e.clientX - r.left, e.clientY - r.top);
              u.over.style.cursor = i >= 0 ? 'pointer' : 'crosshair';
              setHover(i >= 0 ? sorted[i] : null);
            });
            u.over.addEventListener('mouseleave', () => setHover(null));
          },
        ],
        setSelect: [
          (u) => {
            const s = u.select;
            if (s.width < 5 || s.height < 5) return;
            const x0 = u.posToVal(s.left, 'x');
            const x1 = u.posToVal(s.left + s.width, 'x');
            const y1 = u.posToVal(s.top, 'y');
            const y0 = u.posToVal(s.top + s.height, 'y');
            const [xs, ok, bad] = u.data;
            let count = 0;
            for (let i = 0; i < xs.length; i++) {
              const y = (ok[i] ?? bad[i]) as number;
              if (xs[i] >= x0 && xs[i] <= x1 && y >= y0 && y <= y1) count++;
            }
            handlers.current.onSelect({
              startNano: BigInt(Math.floor(x0 * 1e6)) * 1000n,
              endNano: BigInt(Math.ceil(x1 * 1e6)) * 1000n,
              minDurNano: BigInt(Math.max(0, Math.floor(y0 * 1e6))),
              maxDurNano: BigInt(Math.ceil(y1 * 1e6)),
              count,
            });
          },
        ],
      },
    };
    // Rebuilt with the theme (canvas colours) and the data order the handlers index into.
  }, [theme, sorted]);

  return (
    <div className="scatter panel">
      <UPlotChart opts={opts} data={data} />
      <div className="hint">
        {hover ? (
          <>
            <b>
              {hover.rootService}: {hover.rootName}
            </b>{' '}
            · {formatDuration(hover.durationNano)} · {hover.spanCount} spans · {formatLocalTime(hover.startUnixNano)}
            {hover.errorCount > 0 && <span className="error-text"> · {hover.errorCount} errors</span>}
          </>
        ) : (
          'Click a dot to open its trace; drag a box to compare those traces with the rest.'
        )}
      </div>
    </div>
  );
}
