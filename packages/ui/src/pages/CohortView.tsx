import { useState, type ReactNode } from 'react';
import { PATH_SEPARATOR, type AttributeAttribution, type CriticalPathShare, type StructuralDifference } from '@sextant/core';
import { enc, useApi } from '../lib/api.js';
import type { CohortResult } from '../lib/api-types.js';
import { formatDuration, formatLocalTime, formatPercent } from '../lib/format.js';
import { Link, withQuery } from '../lib/router.js';
import { Loading, Message } from '../components/Message.js';

/** Rows shown per section before "Show all". */
const FIRST_ROWS = 10;

/**
 * Search parameters that describe a whole trace (its time window and duration). The others must all hold on one
 * span, so a row's own span filter (service and operation, or an attribute) replaces them in its links: kept
 * together they would look for a single span carrying both.
 */
const TRACE_LEVEL = new Set(['start', 'end', 'lookback', 'traceMinDuration', 'traceMaxDuration']);

/** Times and durations that the scatter selection writes as nanoseconds, in human units. */
function readableNumber(key: string, v: string): string {
  if (key === 'start' || key === 'end') return formatLocalTime(v);
  return /duration$/i.test(key) ? formatDuration(v) : v;
}

/** The search query string of a cohort, readable: `service=api, traceMinDuration=…`. */
function describe(query: string): string {
  if (query === 'rest') return 'the rest of the traces in the same time window';
  const parts: string[] = [];
  for (const [k, v] of new URLSearchParams(query)) parts.push(`${k}=${/^\d+$/.test(v) ? readableNumber(k, v) : v}`);
  return parts.join(', ') || 'all traces';
}

/** /search for the traces of a cohort that match `filter` (the baseline `rest` searches the selection's window). */
function searchLink(cohort: string, selection: string, filter: Record<string, string>): string {
  const source = new URLSearchParams(cohort === 'rest' ? selection : cohort);
  const q: Record<string, string> = {};
  for (const [k, v] of source) if (TRACE_LEVEL.has(k) && (cohort !== 'rest' || k === 'start' || k === 'end')) q[k] = v;
  return withQuery('/search', { ...q, ...filter });
}

/** `service:operation`, the last step of a call-tree path, and the steps above it. */
function splitPath(path: string): { service: string; operation: string; callers: string[] } {
  const steps = path.split(PATH_SEPARATOR);
  const last = steps.pop() ?? '';
  const colon = last.indexOf(':');
  return { service: last.slice(0, colon), operation: last.slice(colon + 1), callers: steps };
}

function formatCount(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function formatDelta(nano: number): string {
  return `${nano < 0 ? '−' : '+'}${formatDuration(Math.abs(nano))}`;
}

/** How much more of its critical path the selection spends in an operation. */
function shareGain(r: CriticalPathShare): number {
  return r.selectionShare - r.baselineShare;
}

/** What a change in call count most likely means. Timing is not in the result, so N+1 and fan-out stay one kind. */
function structureKind(d: StructuralDifference): { label: string; hint: string } {
  if (d.baselineMeanCount === 0) return { label: 'new call', hint: 'Only the selection makes this call.' };
  if (d.selectionMeanCount === 0) return { label: 'missing', hint: 'The baseline makes this call and the selection never does (a skipped cache or step?).' };
  if (d.selectionMeanCount >= 2 && d.selectionMeanCount >= 1.5 * d.baselineMeanCount)
    return {
      label: 'N+1 / fan-out',
      hint: 'The call repeats more often per trace. Open a trace: repeats one after another are an N+1 loop, side by side a fan-out.',
    };
  return d.selectionMeanCount > d.baselineMeanCount
    ? { label: 'more calls', hint: 'The selection makes this call more often per trace.' }
    : { label: 'fewer calls', hint: 'The selection makes this call less often per trace.' };
}

/** A selection bar above a baseline bar, both on the same scale. */
function PairedBars(props: { selection: number; baseline: number; max: number; format: (v: number) => string }) {
  const width = (v: number) => `${props.max > 0 ? Math.min(100, (100 * v) / props.max) : 0}%`;
  return (
    <div className="pair">
      <div className="pair-line" title="selection">
        <div className="track">
          <div className="fill sel" style={{ width: width(props.selection) }} />
        </div>
        <span>{props.format(props.selection)}</span>
      </div>
      <div className="pair-line" title="baseline">
        <div className="track">
          <div className="fill base" style={{ width: width(props.baseline) }} />
        </div>
        <span className="muted">{props.format(props.baseline)}</span>
      </div>
    </div>
  );
}

/** A titled panel whose rows are cut to the first few until asked. */
function CohortSection<T>(props: {
  testId: string;
  title: string;
  explain: ReactNode;
  rows: T[];
  empty: ReactNode;
  head: ReactNode;
  row: (r: T, i: number) => ReactNode;
}) {
  const [all, setAll] = useState(false);
  const shown = all ? props.rows : props.rows.slice(0, FIRST_ROWS);
  return (
    <section className="panel section" data-testid={props.testId}>
      <h2>{props.title}</h2>
      <p className="muted cohort-explain">{props.explain}</p>
      {props.rows.length === 0 ? (
        <div className="muted">{props.empty}</div>
      ) : (
        <>
          <div className="cohort-row cohort-head">{props.head}</div>
          {shown.map(props.row)}
          {props.rows.length > shown.length && (
            <button className="ghost small" style={{ marginTop: 8 }} onClick={() => setAll(true)}>
              Show all {props.rows.length}
            </button>
          )}
        </>
      )}
    </section>
  );
}

function OperationName({ service, operation }: { service: string; operation: string }) {
  return (
    <span className="cohort-op">
      <b>{operation}</b> <span className="muted">{service}</span>
    </span>
  );
}

/** The top row of each section in one sentence each: the page's answer before its evidence. */
function Summary({ path, call, attr }: { path?: CriticalPathShare; call?: StructuralDifference; attr?: AttributeAttribution }) {
  const items: ReactNode[] = [];
  if (call) {
    const { service, operation } = splitPath(call.path);
    items.push(
      <>
        calls <b>{operation}</b> ({service}) {formatCount(call.selectionMeanCount)}× per trace instead of{' '}
        {formatCount(call.baselineMeanCount)}× ({formatDelta(call.effectNano)} per trace)
      </>,
    );
  }
  if (path && shareGain(path) > 0)
    items.push(
      <>
        spends {formatPercent(path.selectionShare)} of its critical path in <b>{path.operation}</b> ({path.service}) instead of{' '}
        {formatPercent(path.baselineShare)}
      </>,
    );
  if (attr)
    items.push(
      <>
        carries{' '}
        <b className="mono">
          {attr.key}={attr.value}
        </b>{' '}
        in {formatPercent(attr.selectionShare)} of traces instead of {formatPercent(attr.baselineShare)}
      </>,
    );
  if (items.length === 0) return null;
  return (
    <div className="panel cohort-summary">
      <b>At a glance, the selection…</b>
      <ul>
        {items.map((item, i) => (
          <li key={i}>{item}</li>
        ))}
      </ul>
    </div>
  );
}

/** /compare?selection=&baseline=: what sets a group of traces apart from another (server's compareCohorts). */
export function CohortView({ selection, baseline, defaultDropped }: { selection: string; baseline: string; defaultDropped: string[] | null }) {
  const res = useApi<CohortResult>(`/api/v1/cohort?selection=${enc(selection)}&baseline=${enc(baseline)}`);
  const backToSearch = withQuery('/search', Object.fromEntries(new URLSearchParams(selection)));
  if (res.error)
    return (
      <Message kind="error" title="Could not compare these groups of traces">
        <p>{res.error.message}</p>
        <p>
          The selection and the baseline are search query strings (for example <code>service=api&amp;traceMinDuration=500ms</code>
          ; the baseline may also be <code>rest</code>). Fix the query in the address bar, or go back to{' '}
          <Link to={backToSearch}>the search</Link> and drag a box around the traces to compare.
        </p>
      </Message>
    );
  if (!res.data) return <Loading what="cohort comparison (this reads every trace in both groups)" />;
  const data = res.data;
  if (data.selectionCount === 0)
    return (
      <Message title="The selection holds no traces">
        Go back to <Link to={backToSearch}>the search</Link> and select a region with dots in it.
      </Message>
    );
  if (data.baselineCount === 0)
    return (
      <Message title="The baseline holds no traces">
        <p>There is nothing to compare the {data.selectionCount} selected traces with ({describe(baseline)}).</p>
        <p>
          {baseline === 'rest' ? (
            <>Widen the time window of the selection so that it also holds other traces, </>
          ) : (
            <>
              Compare with <Link to={withQuery('/compare', { selection, baseline: 'rest' })}>the rest of the time window</Link>{' '}
              instead,{' '}
            </>
          )}
          or go back to <Link to={backToSearch}>the search</Link> and select fewer traces.
        </p>
      </Message>
    );

  const shareRows = [...data.criticalPath].sort((x, y) => shareGain(y) - shareGain(x));
  const maxShare = Math.max(0, ...shareRows.flatMap((r) => [r.selectionShare, r.baselineShare]));
  const maxCount = Math.max(0, ...data.structure.flatMap((r) => [r.selectionMeanCount, r.baselineMeanCount]));

  return (
    <div className="cohort">
      <h1 style={{ marginBottom: 8 }}>What sets the selection apart</h1>
      <div className="cmp-grid" style={{ marginBottom: 12 }}>
        <div className="panel">
          <span className="dot sel" /> <b>Selection</b> ({data.selectionCount} traces) <span className="muted">{describe(selection)}</span>{' '}
          <Link to={`/search?${new URLSearchParams(selection).toString()}`}>show →</Link>
        </div>
        <div className="panel">
          <span className="dot base" /> <b>Baseline</b> ({data.baselineCount} traces){' '}
          <span className="muted" data-testid="cohort-baseline">
            {defaultDropped
              ? `the same search without ${defaultDropped.join(', ')}${baseline ? ` (${describe(baseline)})` : ''}`
              : describe(baseline)}
          </span>{' '}
          <Link to={baseline === 'rest' ? searchLink('rest', selection, {}) : `/search?${baseline}`}>show →</Link>
          <div className="muted cohort-explain">
            Change it with <code>&amp;baseline=</code> in the address (a search query string, or <code>rest</code> for every other
            trace of the time window).
          </div>
        </div>
      </div>
      <Summary path={shareRows[0]} call={data.structure[0]} attr={data.attributes[0]} />

      <CohortSection<CriticalPathShare>
        testId="cohort-critical-path"
        title="Where the critical path goes"
        explain="Share of each trace's critical path (the chain of work the request waited on) spent in each operation, averaged over the group. Sorted by how much more of it the selection spends there."
        rows={shareRows}
        empty="No operation lies on the critical path of these traces."
        head={
          <>
            <span>operation</span>
            <span>share of critical path</span>
            <span className="num">time per trace</span>
            <span />
          </>
        }
        row={(r, i) => (
          <div key={i} className="cohort-row" data-testid="cohort-critical-row" data-operation={r.operation} data-service={r.service}>
            <OperationName service={r.service} operation={r.operation} />
            <PairedBars selection={r.selectionShare} baseline={r.baselineShare} max={maxShare} format={formatPercent} />
            <span className="num">
              {formatDuration(r.selectionMeanNano)}
              <br />
              <span className="muted">{formatDuration(r.baselineMeanNano)}</span>
            </span>
            <span className="cohort-links">
              <Link to={searchLink(selection, selection, { service: r.service, operation: r.operation })}>traces →</Link>
              <ExampleLink traceId={r.selectionExampleTraceId} />
            </span>
          </div>
        )}
      />

      <CohortSection<StructuralDifference>
        testId="cohort-structure"
        title="Calls made more or less often"
        explain="Calls (by their place in the call tree) whose count per trace differs by at least a half between the groups, ranked by the time the difference costs each selected trace."
        rows={data.structure}
        empty="Both groups make the same calls the same number of times: the selection is slower doing the same work (see the critical path above)."
        head={
          <>
            <span>call</span>
            <span>calls per trace</span>
            <span className="num">time per trace</span>
            <span />
          </>
        }
        row={(d, i) => {
          const { service, operation, callers } = splitPath(d.path);
          const kind = structureKind(d);
          // A call the selection never makes has no selected traces to show: its examples are in the baseline.
          const cohort = d.selectionMeanCount === 0 ? baseline : selection;
          return (
            <div
              key={d.path}
              className={`cohort-row${i === 0 ? ' top' : ''}`}
              data-testid="cohort-structure-row"
              data-operation={operation}
              data-service={service}
              data-top={i === 0 ? 'true' : undefined}
            >
              <div className="cohort-call">
                <div>
                  <OperationName service={service} operation={operation} />{' '}
                  <span className={`badge ${kind.label === 'missing' ? 'warn' : 'accent'}`} title={kind.hint}>
                    {kind.label}
                  </span>
                  {i === 0 && <span className="badge error">biggest difference</span>}
                </div>
                {callers.length > 0 && (
                  <div className="muted cohort-path" title={d.path}>
                    {callers.join(' › ')} ›
                  </div>
                )}
              </div>
              <PairedBars selection={d.selectionMeanCount} baseline={d.baselineMeanCount} max={maxCount} format={(n) => `${formatCount(n)}×`} />
              <span className="num">
                <b className={d.effectNano > 0 ? 'error-text' : undefined}>{formatDelta(d.effectNano)}</b>
                <br />
                <span className="muted">
                  {formatDuration(d.selectionMeanNano)} vs {formatDuration(d.baselineMeanNano)}
                </span>
              </span>
              <span className="cohort-links">
                <Link to={searchLink(cohort, selection, { service, operation })}>{cohort === selection ? 'traces →' : 'baseline traces →'}</Link>
                <ExampleLink traceId={cohort === selection ? d.selectionExampleTraceId : d.baselineExampleTraceId} />
              </span>
            </div>
          );
        }}
      />

      <CohortSection<AttributeAttribution>
        testId="cohort-attributes"
        title="Attribute values the selection has more often"
        explain="Share of traces with at least one span, resource or event carrying the value, ranked by how much more common it is in the selection."
        rows={data.attributes}
        empty="No attribute value is more common in the selection than in the baseline."
        head={
          <>
            <span>attribute</span>
            <span>share of traces</span>
            <span className="num">difference</span>
            <span />
          </>
        }
        row={(a, i) => (
          <div key={i} className="cohort-row" data-testid="cohort-attribute-row" data-key={a.key} data-value={a.value}>
            <span className="mono cohort-attr" title={`${a.key}=${a.value}`}>
              {a.key}=<b>{a.value}</b>
            </span>
            <PairedBars selection={a.selectionShare} baseline={a.baselineShare} max={1} format={formatPercent} />
            <span className="num">+{formatPercent(a.separation)}</span>
            <span className="cohort-links">
              <Link to={searchLink(selection, selection, { [`attr.${a.key}`]: a.value })}>traces →</Link>
              <ExampleLink traceId={a.selectionExampleTraceId} />
            </span>
          </div>
        )}
      />
    </div>
  );
}

/** Straight to one trace that shows the difference (the server picks the one where it is largest). */
function ExampleLink({ traceId }: { traceId: string | undefined }) {
  if (!traceId) return null;
  return (
    <Link to={`/trace/${encodeURIComponent(traceId)}`} data-testid="cohort-example">
      example trace
    </Link>
  );
}
