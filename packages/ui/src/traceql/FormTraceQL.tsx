import { Link, withQuery } from '../lib/router.js';
import { searchParamsToTraceQL } from './search-traceql.js';

/** Under the search form: the TraceQL the form stands for, and a link to run and refine it as TraceQL. */
export function FormTraceQL({ params }: { params: URLSearchParams }) {
  const text = searchParamsToTraceQL(params);
  const lookback = params.get('lookback');
  return (
    <p className="form-traceql muted" data-testid="form-traceql">
      As TraceQL: <code>{text}</code>{' '}
      <Link to={withQuery('/traceql', { q: text, lookback: lookback && lookback !== '1h' ? lookback : undefined })}>Edit as TraceQL</Link>
    </p>
  );
}
