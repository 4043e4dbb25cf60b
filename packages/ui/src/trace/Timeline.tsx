import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { serviceColor } from '../lib/colors.js';
import { formatMs } from '../lib/format.js';
import { Minimap } from './Minimap.js';
import type { TraceLayout } from './layout.js';

const ROW_H = 24;
const NAME_W_DEFAULT = 'clamp(260px, 34%, 520px)';
const NAME_W_KEY = 'sextant.timeline.nameWidth';
const LABEL_GAP = 4;

function storedNameWidth(): number | null {
  try {
    const v = Number(localStorage.getItem(NAME_W_KEY));
    return Number.isFinite(v) && v >= 120 ? v : null;
  } catch {
    return null;
  }
}

let measureCtx: CanvasRenderingContext2D | null | undefined;
/** Rendered width of a bar label, so it can be placed where it fits whole. */
function labelWidth(text: string): number {
  if (measureCtx === undefined) {
    measureCtx = document.createElement('canvas').getContext('2d');
    if (measureCtx) measureCtx.font = `11px ${getComputedStyle(document.body).fontFamily}`;
  }
  return Math.ceil((measureCtx?.measureText(text).width ?? text.length * 7) + 2);
}

/**
 * Where a duration label goes, in pixels of the bar lane: right of the bar when it fits there, else left of
 * it, else inside the bar's right end. The label is never cut by the lane's edges or the name column.
 */
export function placeLabel(barLeft: number, barRight: number, laneW: number, textW: number): { left: number; inside: boolean } {
  const l = Math.max(0, barLeft);
  const r = Math.min(laneW, barRight);
  if (r + LABEL_GAP + textW <= laneW) return { left: Math.max(0, r) + LABEL_GAP, inside: false };
  if (l - LABEL_GAP - textW >= 0) return { left: Math.min(laneW, l) - LABEL_GAP - textW, inside: false };
  return { left: Math.max(0, Math.min(r, laneW) - LABEL_GAP - textW), inside: true };
}

export interface TimelineState {
  collapsed: ReadonlySet<number>;
  rows: Int32Array;
  selected: number;
  view: [number, number];
  showCritical: boolean;
  matches: ReadonlySet<number>;
}

/**
 * The waterfall: a virtualised list of span rows (tree on the left, bars on the right) under a minimap.
 * Only the rows on screen are rendered, and each reads precomputed arrays, so 50k spans scroll like 50.
 */
export function Timeline(props: {
  layout: TraceLayout;
  state: TimelineState;
  onToggle: (pos: number) => void;
  onSelect: (pos: number) => void;
  onOpen: (pos: number) => void;
  onView: (v: [number, number]) => void;
  onKey: (e: KeyboardEvent<HTMLDivElement>) => void;
}) {
  const { layout, state } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({
    count: state.rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_H,
    overscan: 16,
  });

  const selectedRow = useMemo(() => {
    for (let k = 0; k < state.rows.length; k++) if (state.rows[k] === state.selected) return k;
    return -1;
  }, [state.rows, state.selected]);

  useEffect(() => {
    if (selectedRow >= 0) virt.scrollToIndex(selectedRow, { align: 'auto' });
  }, [selectedRow, virt]);

  const [v0, v1] = state.view;
  const span = Math.max(1e-9, v1 - v0);
  const ticks = [0, 0.2, 0.4, 0.6, 0.8];

  // The bar lane's width in pixels: labels are placed in pixels so that they always fit.
  const ticksEl = useRef<HTMLDivElement>(null);
  const [laneW, setLaneW] = useState(0);
  useEffect(() => {
    const el = ticksEl.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setLaneW(el.clientWidth));
    ro.observe(el);
    setLaneW(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  const [nameW, setNameW] = useState<number | null>(storedNameWidth);
  const timelineEl = useRef<HTMLDivElement>(null);
  const startResize = (e: PointerEvent<HTMLDivElement>) => {
    e.preventDefault();
    e.stopPropagation();
    const handle = e.currentTarget;
    handle.setPointerCapture(e.pointerId);
    const box = timelineEl.current!.getBoundingClientRect();
    const move = (ev: globalThis.PointerEvent) => setNameW(Math.round(Math.min(box.width - 160, Math.max(120, ev.clientX - box.left))));
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      setNameW((w) => {
        try {
          if (w !== null) localStorage.setItem(NAME_W_KEY, String(w));
        } catch {
          // Private mode: the width is not remembered.
        }
        return w;
      });
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  };

  return (
    <div
      className="timeline"
      ref={timelineEl}
      tabIndex={0}
      onKeyDown={props.onKey}
      style={{ ['--name-w' as string]: nameW === null ? NAME_W_DEFAULT : `${nameW}px` }}
      aria-label="Trace timeline. Up and down move, left and right collapse and expand, Enter opens details."
    >
      <Minimap layout={layout} view={state.view} onView={props.onView} />
      <div className="ruler">
        <div className="head">
          Service · operation
          <div
            className="col-resize"
            role="separator"
            aria-orientation="vertical"
            aria-label="Resize the name column"
            title="Drag to resize the name column (double-click to reset)"
            onPointerDown={startResize}
            onDoubleClick={() => {
              setNameW(null);
              try {
                localStorage.removeItem(NAME_W_KEY);
              } catch {
                // nothing remembered
              }
            }}
          />
        </div>
        <div className="ticks" ref={ticksEl}>
          {ticks.map((t) => (
            <div key={t} className="tick" style={{ left: `${t * 100}%` }}>
              {formatMs(v0 + t * span)}
            </div>
          ))}
        </div>
      </div>
      <div className={`rows${state.showCritical ? ' crit-mode' : ''}`} ref={scroller}>
        <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
          {virt.getVirtualItems().map((item) => {
            const pos = state.rows[item.index];
            return (
              <SpanRow
                key={pos}
                layout={layout}
                pos={pos}
                top={item.start}
                view={state.view}
                selected={pos === state.selected}
                collapsed={state.collapsed.has(pos)}
                showCritical={state.showCritical}
                match={state.matches.has(pos)}
                ticks={ticks}
                laneW={laneW}
                onToggle={props.onToggle}
                onSelect={props.onSelect}
                onOpen={props.onOpen}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

function SpanRow(props: {
  layout: TraceLayout;
  pos: number;
  top: number;
  view: [number, number];
  selected: boolean;
  collapsed: boolean;
  showCritical: boolean;
  match: boolean;
  ticks: number[];
  laneW: number;
  onToggle: (pos: number) => void;
  onSelect: (pos: number) => void;
  onOpen: (pos: number) => void;
}) {
  const { layout, pos, view, laneW } = props;
  const s = layout.spans[pos];
  const svc = layout.service[pos];
  const color = serviceColor(svc);
  const [v0, v1] = view;
  const w = Math.max(1e-9, v1 - v0);
  const start = layout.startMs[pos];
  const end = layout.endMs[pos];
  const left = ((start - v0) / w) * 100;
  const width = ((end - start) / w) * 100;
  const crit = layout.critical.get(pos);
  const err = layout.isError[pos] === 1;
  const hasKids = layout.childCount[pos] > 0;
  const skew = layout.skewMs[pos];
  const label = formatMs(end - start);
  const place = placeLabel((left / 100) * laneW, ((left + width) / 100) * laneW, laneW, labelWidth(label));
  const cls = ['span-row'];
  if (props.selected) cls.push('selected');
  if (props.match) cls.push('match');
  if (props.showCritical && !crit) cls.push('dimmed');
  if (crit) cls.push('on-critical');

  return (
    <div
      className={cls.join(' ')}
      style={{ top: props.top, height: ROW_H }}
      data-testid="span-row"
      data-span-id={s.spanId}
      data-critical={crit ? 'true' : undefined}
      data-error={err ? 'true' : undefined}
      onClick={() => props.onOpen(pos)}
    >
      <div className="name-cell" style={{ paddingLeft: 4 + Math.min(layout.depth[pos], 40) * 14 }}>
        <span
          className="toggle"
          onClick={(e) => {
            e.stopPropagation();
            if (hasKids) props.onToggle(pos);
          }}
          title={hasKids ? (props.collapsed ? `Expand (${layout.subtree[pos]} spans)` : 'Collapse') : undefined}
        >
          {hasKids ? (props.collapsed ? '▶' : '▼') : ''}
        </span>
        <span className="svc-bar" style={{ background: color }} />
        {err && (
          <span className="err-icon" title={layout.isRootCause[pos] ? 'Root-cause error' : 'Error'}>
            {layout.isRootCause[pos] ? '⊗' : '!'}
          </span>
        )}
        <span className="svc">{svc}</span>
        <span className="op">{s.name}</span>
        {props.collapsed && <span className="badge">{layout.subtree[pos]}</span>}
        {skew !== 0 && (
          <span className="badge warn skew-icon" title={`Clock skew: shifted by ${formatMs(skew)} to fit inside its parent`}>
            skew
          </span>
        )}
      </div>
      <div className="bar-lane">
        {props.ticks.map((t) => (
          <div key={t} className="gridline" style={{ left: `${t * 100}%` }} />
        ))}
        <div className="span-bar" style={{ left: `${left}%`, width: `${width}%`, background: color }} />
        {props.showCritical &&
          crit?.map(([a, b], k) => (
            <div key={k} className="crit-seg" style={{ left: `${((a - v0) / w) * 100}%`, width: `${((b - a) / w) * 100}%` }} />
          ))}
        {laneW > 0 && (
          <span className={`bar-label${place.inside ? ' inside' : ''}`} style={{ left: place.left }}>
            {label}
          </span>
        )}
      </div>
    </div>
  );
}
