import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { setTheme, useTheme } from './lib/theme.js';
import { Link, navigate, useLocation } from './lib/router.js';
import { SearchPage } from './pages/SearchPage.js';
import { TracePage } from './pages/TracePage.js';
import { MapPage } from './pages/MapPage.js';
import { ServicesPage } from './pages/ServicesPage.js';
import { ComparePage } from './pages/ComparePage.js';
import { UploadPage } from './pages/UploadPage.js';
import { HealthPage } from './pages/HealthPage.js';
import { CostPage } from './pages/CostPage.js';
import { LogsPage } from './pages/LogsPage.js';
import { Loading, Message } from './components/Message.js';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { getJson } from './lib/api.js';
import type { TraceSearchResult } from './lib/api-types.js';

const NAV = [
  ['/search', 'Search'],
  ['/traceql', 'TraceQL'],
  ['/logs', 'Logs'],
  ['/map', 'Service map'],
  ['/services', 'Services'],
  ['/compare', 'Compare'],
  ['/health', 'Health'],
  ['/cost', 'Cost'],
  ['/upload', 'Open file'],
] as const;

export function App() {
  const loc = useLocation();
  useEffect(() => {
    if (loc.pathname === '/' || loc.pathname === '') navigate('/search', { replace: true });
  }, [loc.pathname]);
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/search" className="brand">
          <Logo /> Sextant
        </Link>
        <nav>
          {NAV.map(([to, label]) => (
            <Link key={to} to={to} className={loc.pathname.startsWith(to) ? 'active' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <TraceIdJump />
        <ThemeToggle />
      </header>
      <main className="page">
        <ErrorBoundary what="page" resetKey={loc.href}>
          <Route pathname={loc.pathname} />
        </ErrorBoundary>
      </main>
    </div>
  );
}

// The TraceQL editor (CodeMirror) is a third of the app's code: loaded when that page opens, so that every other
// page, the trace page first, starts sooner.
const TraceQLPage = lazy(() => import('./pages/TraceQLPage.js').then((m) => ({ default: m.TraceQLPage })));

/** Pages by path: the first pattern that matches renders, with its capture groups. One line per page. */
const ROUTES: [RegExp, (m: RegExpExecArray) => ReactNode][] = [
  [/^\/(search|$)/, () => <SearchPage />],
  [/^\/trace\/([^/]+)\/?$/, (m) => <TracePage key={m[1]} traceId={decodeURIComponent(m[1])} />],
  [/^\/map/, () => <MapPage />],
  [/^\/services/, () => <ServicesPage />],
  [/^\/compare/, () => <ComparePage />],
  [/^\/upload/, () => <UploadPage />],
  [/^\/health/, () => <HealthPage />],
  [/^\/cost/, () => <CostPage />],
  [
    /^\/traceql/,
    () => (
      <Suspense fallback={<Loading what="the TraceQL editor" />}>
        <TraceQLPage />
      </Suspense>
    ),
  ],
  [/^\/logs/, () => <LogsPage />],
];

function Route({ pathname }: { pathname: string }) {
  for (const [re, render] of ROUTES) {
    const m = re.exec(pathname);
    if (m) return render(m);
  }
  return (
    <Message title="Page not found">
      Nothing lives at this address. Start from <Link to="/search">trace search</Link>.
    </Message>
  );
}

/** Opens a trace by id; a shorter hex id (as other tools print) opens the one trace it starts, else lists them. */
function TraceIdJump() {
  const [id, setId] = useState('');
  const [busy, setBusy] = useState(false);
  const go = async (v: string) => {
    if (!/^[0-9a-f]{1,31}$/.test(v)) return navigate(`/trace/${encodeURIComponent(v)}`);
    setBusy(true);
    try {
      const r = await getJson<TraceSearchResult>(`/api/v1/traces?traceIdPrefix=${v}&limit=2`);
      navigate(r.traces.length === 1 ? `/trace/${r.traces[0].traceId}` : `/search?traceIdPrefix=${v}`);
    } catch {
      navigate(`/search?traceIdPrefix=${v}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="jump"
      onSubmit={(e) => {
        e.preventDefault();
        const v = id.trim().toLowerCase();
        if (v && !busy) void go(v);
        setId('');
      }}
    >
      <input
        aria-label="Go to trace id"
        placeholder="Trace id (or its start)…"
        value={id}
        onChange={(e) => setId(e.target.value)}
        spellCheck={false}
      />
    </form>
  );
}

function ThemeToggle() {
  const theme = useTheme();
  return (
    <button
      className="ghost theme-toggle"
      title={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
      onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
    >
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  );
}

function Logo() {
  return (
    <svg width="20" height="20" viewBox="0 0 32 32" aria-hidden="true">
      <circle cx="16" cy="16" r="13" fill="none" stroke="#3b82f6" strokeWidth="3" />
      <path d="M16 5v22M8 20h16" stroke="#f59e0b" strokeWidth="3" strokeLinecap="round" />
    </svg>
  );
}
