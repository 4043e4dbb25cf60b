import { useEffect, useState } from 'react';

/** An HTTP failure from the Sextant API, carrying the server's own message when it sent one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { signal, headers: { accept: 'application/json' } });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError('Cannot reach the Sextant server. Is `sextant serve` running?', 0);
  }
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // A non-JSON body is reported below with the status.
  }
  if (res.status === 401) {
    sendToLogin();
    throw new ApiError('Your session has ended: opening the login page…', 401);
  }
  if (!res.ok) {
    const msg = body && typeof body === 'object' && 'error' in body ? String((body as { error: unknown }).error) : '';
    throw new ApiError(msg || `${res.status} ${res.statusText} from ${path}`, res.status);
  }
  if (body === undefined) throw new ApiError(`The server sent a response that is not JSON for ${path}`, res.status);
  return body as T;
}

let leaving = false;

/**
 * The session ended (expired, logged out, server restarted): the server's login page brings the user back here.
 * A full page load, because the login pages are the server's, not the app's.
 */
function sendToLogin(): void {
  if (leaving) return;
  leaving = true;
  const here = window.location.pathname + window.location.search;
  window.location.assign(`/login?next=${encodeURIComponent(here)}`);
}

export interface Fetched<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
}

/** Fetches `path` (skipped when null) and refetches when it changes; stale answers are dropped. */
export function useApi<T>(path: string | null): Fetched<T> {
  const [state, setState] = useState<Fetched<T> & { path: string | null }>({
    data: undefined,
    error: undefined,
    loading: path !== null,
    path,
  });
  useEffect(() => {
    if (path === null) return;
    const ctl = new AbortController();
    setState((s) => ({ data: s.path === path ? s.data : undefined, error: undefined, loading: true, path }));
    getJson<T>(path, ctl.signal).then(
      (data) => setState({ data, error: undefined, loading: false, path }),
      (error: Error) => {
        if (error.name !== 'AbortError') setState({ data: undefined, error, loading: false, path });
      },
    );
    return () => ctl.abort();
  }, [path]);
  if (path === null) return { data: undefined, error: undefined, loading: false };
  if (state.path !== path) return { data: undefined, error: undefined, loading: true };
  return state;
}

export const enc = encodeURIComponent;
