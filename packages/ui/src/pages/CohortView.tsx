import { enc, useApi } from '../lib/api.js';
import { Link, withQuery } from '../lib/router.js';
import { ErrorMessage, Loading, Message } from '../components/Message.js';
import { JsonTables } from '../components/JsonTables.js';

/** The search query string of a cohort, readable: `service=api, traceMinDuration=…`. */
function describe(query: string): string {
  if (query === 'rest') return 'the rest of the traces in the same time window';
  const parts: string[] = [];
  for (const [k, v] of new URLSearchParams(query)) parts.push(`${k}=${v}`);
  return parts.join(', ') || 'all traces';
}

/** /compare?selection=&baseline=: what sets a group of traces apart from another (server's compareCohorts). */
export function CohortView({ selection, baseline }: { selection: string; baseline: string }) {
  const res = useApi<Record<string, unknown>>(`/api/v1/cohort?selection=${enc(selection)}&baseline=${enc(baseline)}`);
  if (res.error) return <ErrorMessage error={res.error} what="the cohort comparison" />;
  if (!res.data) return <Loading what="cohort comparison (this reads every trace in both groups)" />;
  const { selectionCount, baselineCount, ...rest } = res.data as { selectionCount?: number; baselineCount?: number };
  if (selectionCount === 0)
    return (
      <Message title="The selection holds no traces">
        Go back to <Link to={withQuery('/search', Object.fromEntries(new URLSearchParams(selection)))}>the search</Link> and select a
        region with dots in it.
      </Message>
    );
  return (
    <div>
      <h1 style={{ marginBottom: 8 }}>Compare groups of traces</h1>
      <div className="cmp-grid" style={{ marginBottom: 12 }}>
        <div className="panel">
          <b>Selection</b> ({selectionCount ?? '?'} traces) <span className="muted">{describe(selection)}</span>{' '}
          <Link to={`/search?${new URLSearchParams(selection).toString()}`}>show →</Link>
        </div>
        <div className="panel">
          <b>Baseline</b> ({baselineCount ?? '?'} traces) <span className="muted">{describe(baseline)}</span>
        </div>
      </div>
      <JsonTables value={rest} />
    </div>
  );
}
