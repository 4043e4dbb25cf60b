import { useEffect, useRef, useState, type PointerEvent } from 'react';
import { serviceColor } from '../lib/colors.js';
import { useTheme } from '../lib/theme.js';
import type { TraceLayout } from './layout.js';

/**
 * The whole trace in miniature (every span one thin bar, row order top to bottom). Dragging selects the time
 * window the timeline shows; double-click resets it.
 */
export function Minimap(props: {
  layout: TraceLayout;
  view: [number, number];
  onView: (v: [number, number]) => void;
}) {
  const { layout, view, onView } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drag, setDrag] = useState<[number, number] | null>(null);
  const theme = useTheme();

  useEffect(() => {
    const c = canvas.current!;
    const draw = () => {
      const dpr = window.devicePixelRatio || 1;
      const w = c.clientWidth;
      const h = c.clientHeight;
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      const ctx = c.getContext('2d')!;
      ctx.scale(dpr, dpr);
      ctx.clearRect(0, 0, w, h);
      const n = layout.spans.length;
      const total = layout.durationMs || 1;
      const rowH = Math.max(0.5, Math.min(3, (h - 4) / Math.max(1, n)));
      const scaleY = n > 1 ? (h - 4 - rowH) / (n - 1) : 0;
      for (let i = 0; i < n; i++) {
        ctx.fillStyle = layout.isError[i] ? '#d0302f' : serviceColor(layout.service[i]);
        const x = (layout.startMs[i] / total) * w;
        const bw = Math.max(0.75, ((layout.endMs[i] - layout.startMs[i]) / total) * w);
        ctx.fillRect(x, 2 + i * scaleY, bw, rowH);
      }
    };
    draw();
    const ro = new ResizeObserver(draw);
    ro.observe(c);
    return () => ro.disconnect();
  }, [layout, theme]);

  const toMs = (e: PointerEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)) * layout.durationMs;
  };
  const total = layout.durationMs || 1;
  const pct = (ms: number) => `${(ms / total) * 100}%`;
  const zoomed = view[0] > 0 || view[1] < layout.durationMs;

  return (
    <div
      className="minimap"
      title="Drag to zoom the timeline; double-click to reset"
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        const ms = toMs(e);
        setDrag([ms, ms]);
      }}
      onPointerMove={(e) => drag && setDrag([drag[0], toMs(e)])}
      onPointerUp={() => {
        if (drag) {
          const a = Math.min(drag[0], drag[1]);
          const b = Math.max(drag[0], drag[1]);
          if (b - a > total / 1000) onView([a, b]);
        }
        setDrag(null);
      }}
      onDoubleClick={() => onView([0, layout.durationMs])}
    >
      <canvas ref={canvas} />
      {zoomed && (
        <>
          <div className="shade" style={{ left: 0, width: pct(view[0]) }} />
          <div className="window" style={{ left: pct(view[0]), width: pct(view[1] - view[0]) }} />
          <div className="shade" style={{ left: pct(view[1]), right: 0 }} />
        </>
      )}
      {drag && (
        <div className="drag" style={{ left: pct(Math.min(...drag)), width: pct(Math.abs(drag[1] - drag[0])) }} />
      )}
    </div>
  );
}
