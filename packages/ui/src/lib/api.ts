import { QueryClient, useQuery } from '@tanstack/react-query';

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
  return (await getJsonAndText<T>(path, signal)).body;
}

/** getJson's answer together with its text, for passing on to a worker without cloning the parsed object. */
export async function getJsonAndText<T>(path: string, signal?: AbortSignal): Promise<{ body: T; text: string }> {
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
  return { body: body as T, text };
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

/** The app's one cache of API answers: views that read the same path at once share one request. */
export const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } },
});

/**
 * Lists that change slowly (services, their operations, attribute keys and values, receiver ports) are kept for
 * a minute, so that moving between pages does not read them again; every other answer is read fresh each time a
 * view opens.
 */
const SLOW_LISTS = /^\/api\/v1\/(services|attributes|receivers)(\/|\?|$)/;
const SLOW_LIST_MS = 60_000;

/** Fetches `path` (skipped when null) and refetches when it changes; a view sees only its current path's answer. */
export function useApi<T>(path: string | null): Fetched<T> {
  const slow = path !== null && SLOW_LISTS.test(path);
  const q = useQuery<T, Error>({
    queryKey: ['api', path],
    queryFn: ({ signal }) => getJson<T>(path!, signal),
    enabled: path !== null,
    staleTime: slow ? SLOW_LIST_MS : 0,
    gcTime: slow ? 5 * SLOW_LIST_MS : 0,
  });
  if (path === null) return { data: undefined, error: undefined, loading: false };
  return { data: q.data, error: q.error ?? undefined, loading: q.data === undefined && q.error === null };
}

export const enc = encodeURIComponent;
