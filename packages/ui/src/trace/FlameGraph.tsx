import { useEffect, useMemo, useRef, useState, type MouseEvent, type ReactNode } from 'react';
import { formatMs } from '../lib/format.js';
import { cssVar, useTheme } from '../lib/theme.js';
import type { TraceLayout } from './layout.js';
import { selfTimesMs } from './self-ms.js';

const FRAME_H = 18;

/** Self-time share → colour: frames that spend their own time are hot, frames that only wait are pale. */
function heat(selfShare: number, dark: boolean): string {
  const f = Math.max(0, Math.min(1, selfShare));
  return `hsl(${Math.round(48 - 44 * f)}, ${Math.round(55 + 35 * f)}%, ${dark ? Math.round(34 + 14 * f) : Math.round(82 - 26 * f)}%)`;
}

/**
 * The trace as a flame graph: x is time, y is depth, colour is the share of each span's duration spent in the
 * span itself. Drawn on a canvas (50k spans), it shares the timeline's zoom window and selection: click a frame
 * to select its span and zoom to it, double-click to zoom out.
 */
export function FlameGraph(props: {
  layout: TraceLayout;
  view: [number, number];
  onView: (v: [number, number]) => void;
  selected: number;
  onSelect: (pos: number) => void;
  onOpen: (pos: number) => void;
  /** Frame colours of a view that colours by something else than self time (the GenAI view: by step kind). */
  colorOf?: (pos: number, dark: boolean) => string;
  /** What width and colour mean, when `colorOf` changes the colours. */
  caption?: ReactNode;
}) {
  const { layout, view, selected } = props;
  const theme = useTheme();
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<{ pos: number; x: number; y: number } | null>(null);
  const self = useMemo(() => selfTimesMs(layout), [layout]);
  const height = (layout.maxDepth + 1) * FRAME_H;

  useEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current;
    if (!c || width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(height * dpr);
    const ctx = c.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const [v0, v1] = view;
    const k = width / Math.max(1e-9, v1 - v0);
    const dark = theme === 'dark';
    ctx.font = `11px ${getComputedStyle(document.body).fontFamily}`;
    ctx.textBaseline = 'middle';
    const text = cssVar('--fg', '#111');
    const { startMs, endMs, depth, spans, service } = layout;
    for (let i = 0; i < spans.length; i++) {
      const x0 = (startMs[i] - v0) * k;
      const x1 = (endMs[i] - v0) * k;
      // Off screen, or thinner than a third of a pixel: not drawn (what keeps 50k spans fast).
      if (x1 < 0 || x0 > width || x1 - x0 < 0.33) continue;
      const x = Math.max(0, x0);
      const w = Math.min(width, x1) - x;
      const y = depth[i] * FRAME_H;
      const dur = endMs[i] - startMs[i];
      ctx.fillStyle = props.colorOf ? props.colorOf(i, dark) : heat(dur > 0 ? self[i] / dur : 1, dark);
      ctx.fillRect(x, y, Math.max(0.5, w - 0.5), FRAME_H - 1);
      if (layout.isError[i]) {
        ctx.fillStyle = cssVar('--error', '#d0302f');
        ctx.fillRect(x, y + FRAME_H - 3, Math.max(0.5, w - 0.5), 2);
      }
      if (w > 40) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(x, y, w - 2, FRAME_H);
        ctx.clip();
        ctx.fillStyle = dark ? '#f3f3f3' : text;
        ctx.fillText(`${service[i]} ${spans[i].name}`, x + 4, y + FRAME_H / 2);
        ctx.restore();
      }
    }
    if (selected >= 0 && selected < spans.length) {
      const x0 = Math.max(0, (startMs[selected] - v0) * k);
      const x1 = Math.min(width, (endMs[selected] - v0) * k);
      ctx.strokeStyle = cssVar('--accent', '#2563eb');
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 + 1, depth[selected] * FRAME_H + 1, Math.max(2, x1 - x0 - 2), FRAME_H - 3);
    }
  }, [layout, view, width, height, selected, theme, self, props.colorOf]);

  const frameAt = (e: MouseEvent<HTMLCanvasElement>): number => {
    const r = e.currentTarget.getBoundingClientRect();
    const d = Math.floor((e.clientY - r.top) / FRAME_H);
    const [v0, v1] = view;
    const t = v0 + ((e.clientX - r.left) / Math.max(1, r.width)) * (v1 - v0);
    let best = -1;
    for (let i = 0; i < layout.spans.length; i++) {
      if (layout.depth[i] !== d || layout.startMs[i] > t || layout.endMs[i] < t) continue;
      // Among overlapping frames at one depth (siblings that overlap), the shortest is the one drawn on top.
      if (best < 0 || layout.endMs[i] - layout.startMs[i] < layout.endMs[best] - layout.startMs[best]) best = i;
    }
    return best;
  };

  const hovered = hover?.pos ?? -1;
  return (
    <div className="flamegraph panel" data-testid="flamegraph" ref={box} data-spans={layout.spans.length}>
      <div className="toolbar flame-head">
        <span className="muted">
          {props.caption ?? "Width is time, colour is self time (hot: the span's own work; pale: waiting on its children)."} Click a frame to
          select and zoom to it, double-click to zoom out.
        </span>
      </div>
      <div className="flame-scroll">
        <canvas
          ref={canvas}
          style={{ width, height }}
          onMouseMove={(e) => {
            const pos = frameAt(e);
            setHover(pos < 0 ? null : { pos, x: e.nativeEvent.offsetX, y: e.nativeEvent.offsetY });
          }}
          onMouseLeave={() => setHover(null)}
          onClick={(e) => {
            const pos = frameAt(e);
            if (pos < 0) return;
            props.onSelect(pos);
            props.onView([layout.startMs[pos], Math.max(layout.endMs[pos], layout.startMs[pos] + 1e-6)]);
          }}
          onDoubleClick={() => props.onView([0, layout.durationMs])}
        />
        {hovered >= 0 && (
          <div className="flame-tip" data-testid="flame-tooltip" style={{ left: Math.min(hover!.x + 12, Math.max(0, width - 320)), top: hover!.y + 14 }}>
            <b>{layout.service[hovered]}</b> {layout.spans[hovered].name}
            <div className="muted">
              {formatMs(layout.endMs[hovered] - layout.startMs[hovered])} total · {formatMs(self[hovered])} self
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
