import { useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { serviceColor } from '../lib/colors.js';
import { formatMs } from '../lib/format.js';
import { Minimap } from './Minimap.js';
import type { TraceLayout } from './layout.js';

const ROW_H = 24;
const NAME_W = 'clamp(260px, 34%, 520px)';

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

  return (
    <div
      className="timeline"
      tabIndex={0}
      onKeyDown={props.onKey}
      style={{ ['--name-w' as string]: NAME_W }}
      aria-label="Trace timeline. Up and down move, left and right collapse and expand, Enter opens details."
    >
      <Minimap layout={layout} view={state.view} onView={props.onView} />
      <div className="ruler">
        <div className="head">Service · operation</div>
        <div className="ticks">
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
  onToggle: (pos: number) => void;
  onSelect: (pos: number) => void;
  onOpen: (pos: number) => void;
}) {
  const { layout, pos, view } = props;
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
  const labelRight = left + width < 75;
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
        <span
          className="bar-label"
          style={labelRight ? { left: `calc(${Math.max(0, left + width)}% + 4px)` } : { right: `calc(${Math.max(0, 100 - left)}% + 4px)` }}
        >
          {formatMs(end - start)}
        </span>
      </div>
    </div>
  );
}
