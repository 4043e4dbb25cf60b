/** From what the user configured to what the listeners enforce; fails before anything listens. */
import { checkExposure } from './exposure.js';
import { OidcLogin, type OidcSettings } from './oidc.js';
import type { QueryAuthMode, QueryAuthOptions } from './query-auth.js';
import { randomToken, SecretSet } from './secrets.js';

export interface AuthSettings {
  /** Keys the receivers accept (none: receivers are open). */
  ingestKeys?: string[];
  queryAuth?: {
    mode: QueryAuthMode;
    /** token mode: the login URL's secret; generated at start when absent. */
    browserToken?: string | null;
    /** Bearer tokens for scripts and Grafana. */
    apiTokens?: string[];
    oidc?: OidcSettings | null;
    publicUrl?: string | null;
    sessionTtlMs?: number;
  };
  /** Listen beyond loopback without authentication. */
  allowAnonymous?: boolean;
}

export interface ResolvedAuth {
  ingestKeys: SecretSet | null;
  query: QueryAuthOptions;
  /** The URL to print for logging in with the browser token, given the API's URL. */
  loginUrl(apiUrl: string): string | null;
}

const DAY_MS = 24 * 3600_000;

export async function resolveAuth(host: string, s: AuthSettings): Promise<ResolvedAuth> {
  const q = s.queryAuth ?? { mode: 'none' as const };
  const ingestKeys = (s.ingestKeys ?? []).filter(Boolean);
  checkExposure({ host, ingestKeys: ingestKeys.length, queryAuth: q.mode !== 'none', allowAnonymous: s.allowAnonymous ?? false });
  if (q.mode === 'oidc' && !q.oidc) throw new Error('--auth oidc needs --oidc-issuer and --oidc-client-id');
  const browserToken = q.mode === 'token' ? (q.browserToken || randomToken()) : null;
  return {
    ingestKeys: ingestKeys.length > 0 ? new SecretSet(ingestKeys) : null,
    query: {
      mode: q.mode,
      browserToken,
      apiTokens: (q.apiTokens ?? []).filter(Boolean),
      oidc: q.mode === 'oidc' && q.oidc ? await OidcLogin.discover(q.oidc) : null,
      publicUrl: q.publicUrl ?? null,
      sessionTtlMs: q.sessionTtlMs ?? 7 * DAY_MS,
    },
    loginUrl: (apiUrl) => (browserToken ? `${(q.publicUrl ?? apiUrl).replace(/\/+$/, '')}/login?t=${encodeURIComponent(browserToken)}` : null),
  };
}
