import { useEffect, useState } from 'react';
import { setTheme, useTheme } from './lib/theme.js';
import { Link, navigate, useLocation } from './lib/router.js';
import { SearchPage } from './pages/SearchPage.js';
import { TracePage } from './pages/TracePage.js';
import { MapPage } from './pages/MapPage.js';
import { ServicesPage } from './pages/ServicesPage.js';
import { ComparePage } from './pages/ComparePage.js';
import { UploadPage } from './pages/UploadPage.js';
import { Message } from './components/Message.js';

const NAV = [
  ['/search', 'Search'],
  ['/map', 'Service map'],
  ['/services', 'Services'],
  ['/compare', 'Compare'],
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
        <Route pathname={loc.pathname} />
      </main>
    </div>
  );
}

function Route({ pathname }: { pathname: string }) {
  if (pathname === '/' || pathname.startsWith('/search')) return <SearchPage />;
  const trace = /^\/trace\/([^/]+)\/?$/.exec(pathname);
  if (trace) return <TracePage key={trace[1]} traceId={decodeURIComponent(trace[1])} />;
  if (pathname.startsWith('/map')) return <MapPage />;
  if (pathname.startsWith('/services')) return <ServicesPage />;
  if (pathname.startsWith('/compare')) return <ComparePage />;
  if (pathname.startsWith('/upload')) return <UploadPage />;
  return (
    <Message title="Page not found">
      Nothing lives at this address. Start from <Link to="/search">trace search</Link>.
    </Message>
  );
}

function TraceIdJump() {
  const [id, setId] = useState('');
  return (
    <form
      className="jump"
      onSubmit={(e) => {
        e.preventDefault();
        const v = id.trim().toLowerCase();
        if (v) navigate(`/trace/${encodeURIComponent(v)}`);
        setId('');
      }}
    >
      <input
        aria-label="Go to trace id"
        placeholder="Trace id…"
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
