import { useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { serviceColor } from '../lib/colors.js';
import { formatMs } from '../lib/format.js';
import type { TraceLayout } from './layout.js';
import { selfTimesMs } from './self-ms.js';

type Col = 'service' | 'name' | 'duration' | 'self' | 'start';
const COLS: [Col, string, boolean][] = [
  ['service', 'Service', false],
  ['name', 'Operation', false],
  ['duration', 'Duration', true],
  ['self', 'Self time', true],
  ['start', 'Starts at', true],
];

/** Every span as a sortable, virtualised table (for traces too big to read as a tree); a row opens its span. */
export function SpanTable(props: { layout: TraceLayout; onOpen: (pos: number) => void }) {
  const { layout } = props;
  const self = useMemo(() => selfTimesMs(layout), [layout]);
  const [sort, setSort] = useState<{ col: Col; desc: boolean }>({ col: 'duration', desc: true });
  const order = useMemo(() => {
    const idx = Array.from({ length: layout.spans.length }, (_, i) => i);
    const m = sort.desc ? -1 : 1;
    const num = (f: (i: number) => number) => (a: number, b: number) => (f(a) - f(b)) * m || a - b;
    const str = (f: (i: number) => string) => (a: number, b: number) => (f(a) < f(b) ? -m : f(a) > f(b) ? m : a - b);
    const by = {
      service: str((i) => layout.service[i]),
      name: str((i) => layout.spans[i].name),
      duration: num((i) => layout.endMs[i] - layout.startMs[i]),
      self: num((i) => self[i]),
      start: num((i) => layout.startMs[i]),
    }[sort.col];
    return idx.sort(by);
  }, [layout, self, sort]);
  const scroller = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({ count: order.length, getScrollElement: () => scroller.current, estimateSize: () => 26, overscan: 12 });
  return (
    <div className="span-table panel" data-testid="span-table">
      <div className="span-table-row head" role="row">
        {COLS.map(([col, label, numeric]) => (
          <button
            key={col}
            role="columnheader"
            aria-sort={sort.col === col ? (sort.desc ? 'descending' : 'ascending') : 'none'}
            className={`ghost small${numeric ? ' num' : ''}${sort.col === col ? ' sorted' : ''}`}
            onClick={() => setSort((s) => (s.col === col ? { col, desc: !s.desc } : { col, desc: numeric }))}
          >
            {label} {sort.col === col ? (sort.desc ? '▼' : '▲') : ''}
          </button>
        ))}
      </div>
      <div className="span-table-body" ref={scroller}>
        <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
          {virt.getVirtualItems().map((item) => {
            const i = order[item.index];
            return (
              <div
                key={i}
                className="span-table-row"
                role="row"
                data-testid="span-table-row"
                data-span-id={layout.spans[i].spanId}
                style={{ top: item.start }}
                onClick={() => props.onOpen(i)}
              >
                <span>
                  <span className="dot" style={{ background: serviceColor(layout.service[i]), marginRight: 6 }} />
                  {layout.service[i]}
                </span>
                <span className="op">{layout.spans[i].name}</span>
                <span className="num">{formatMs(layout.endMs[i] - layout.startMs[i])}</span>
                <span className="num">{formatMs(self[i])}</span>
                <span className="num">+{formatMs(layout.startMs[i])}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
