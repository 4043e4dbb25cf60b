import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { cssVar } from '../lib/theme.js';

/**
 * Owns one uPlot instance. The chart is rebuilt when `opts` changes and only re-fed when `data` changes;
 * width follows the container.
 */
export function UPlotChart(props: {
  opts: Omit<uPlot.Options, 'width'>;
  data: uPlot.AlignedData;
  className?: string;
  onCreate?: (u: uPlot) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { opts, data, onCreate } = props;

  useEffect(() => {
    const el = box.current!;
    const u = new uPlot({ ...opts, width: Math.max(200, el.clientWidth) } as uPlot.Options, data, el);
    plot.current = u;
    onCreate?.(u);
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: opts.height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // data is fed by the effect below; rebuilding on it would drop zoom and selection.
  }, [opts]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div ref={box} className={`chart ${props.className ?? ''}`} />;
}

/** Axis and grid colours from the current theme's CSS variables. */
export function themeAxis(): Pick<uPlot.Axis, 'stroke' | 'grid' | 'ticks'> {
  const grid = cssVar('--grid', 'rgba(128,128,128,0.2)');
  return { stroke: cssVar('--muted', '#888'), grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
}
