/**
 * Authentication of the query port (web UI and every API route, including ones registered later by other
 * modules): one onRequest hook on the root instance. Open are only `/api/health` (probes and load balancers)
 * and the login routes. Accepted credentials: a session cookie (from the printed login URL or OpenID Connect)
 * or an API token as `Authorization: Bearer …` (scripts, Grafana).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OidcLogin } from './oidc.js';
import { presentedSecret, SecretSet } from './secrets.js';
import { readCookie, SESSION_COOKIE, SessionStore, setCookie } from './sessions.js';

export type QueryAuthMode = 'none' | 'token' | 'oidc';

export interface QueryAuthOptions {
  mode: QueryAuthMode;
  /** token mode: the secret of the login URL. */
  browserToken: string | null;
  apiTokens: readonly string[];
  oidc: OidcLogin | null;
  /** Public base URL (`https://tracing.example.com`), when a proxy stands in front; else taken from Host. */
  publicUrl: string | null;
  sessionTtlMs: number;
}

const PUBLIC_PATHS = new Set(['/api/health', '/login', '/logout', '/auth/oidc/login', '/auth/oidc/callback', '/favicon.svg']);
const OIDC_STATE_COOKIE = 'sextant_oidc_state';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Only paths on this server: never `//elsewhere` or `https://…`, so the login cannot redirect off-site. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body>${body}</body></html>`;
}

/**
 * Answers a login with a page that moves on by itself: a redirect would keep the navigation cross-site when the
 * login link was opened from elsewhere (a chat, the provider), and the browser would then withhold the new
 * SameSite=Strict cookie from the next request.
 */
function continueTo(reply: FastifyReply, next: string): FastifyReply {
  const target = escapeHtml(next);
  return reply
    .code(200)
    .type('text/html')
    .header('cache-control', 'no-store')
    .send(page('Sextant: logged in', `<meta http-equiv="refresh" content="0;url=${target}"><p>Logged in. <a href="${target}">Continue</a>.</p>`));
}

function loginForm(next: string, problem: string | null): string {
  return page(
    'Sextant: log in',
    `<h1>Sextant</h1>${problem ? `<p><strong>${escapeHtml(problem)}</strong></p>` : ''}<p>Open the login URL that <code>sextant serve</code> printed at start, or paste its token:</p>` +
      `<form method="post" action="/login"><input type="hidden" name="next" value="${escapeHtml(next)}"><input name="t" type="password" autocomplete="off" aria-label="token" required> <button type="submit">Log in</button></form>`,
  );
}

export function registerQueryAuth(app: FastifyInstance, opts: QueryAuthOptions): void {
  if (opts.mode === 'none') return;
  const sessions = new SessionStore(opts.sessionTtlMs);
  const apiTokens = new SecretSet(opts.apiTokens);
  const browserTokens = new SecretSet(opts.browserToken ? [opts.browserToken] : []);
  const secureCookies = opts.publicUrl?.startsWith('https:') ?? false;
  const base = (req: FastifyRequest) => (opts.publicUrl ?? `http://${req.headers.host}`).replace(/\/+$/, '');

  const startSession = (reply: FastifyReply, subject: string) => {
    const id = sessions.create(subject);
    reply.header('set-cookie', setCookie(SESSION_COOKIE, id, { maxAgeSeconds: Math.floor(opts.sessionTtlMs / 1000), sameSite: 'Strict', path: '/', secure: secureCookies }));
  };

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (PUBLIC_PATHS.has(path)) return;
    const subject = sessions.subject(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (subject !== null) return;
    if (apiTokens.size > 0 && apiTokens.has(presentedSecret(req.headers.authorization, undefined))) return;
    const wantsPage = req.method === 'GET' && !path.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html');
    if (wantsPage) {
      const login = opts.mode === 'oidc' ? '/auth/oidc/login' : '/login';
      return reply.redirect(`${login}?next=${encodeURIComponent(req.url)}`, 302);
    }
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="sextant"')
      .send({ error: 'authentication required: log in through the web UI, or send an API token as "Authorization: Bearer <token>"' });
  });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const tokenLogin = (req: FastifyRequest, reply: FastifyReply, token: string | undefined, next: string) => {
    if (opts.mode === 'oidc') return reply.redirect(`/auth/oidc/login?next=${encodeURIComponent(next)}`, 302);
    if (token === undefined) return reply.code(200).type('text/html').send(loginForm(next, null));
    if (!browserTokens.has(token)) return reply.code(401).type('text/html').send(loginForm(next, 'That token is not valid.'));
    startSession(reply, 'browser-token');
    return continueTo(reply, next);
  };

  app.get<{ Querystring: { t?: string; next?: string } }>('/login', async (req, reply) => tokenLogin(req, reply, req.query.t, safeNext(req.query.next)));
  app.post<{ Body: { t?: string; next?: string } }>('/login', async (req, reply) => tokenLogin(req, reply, req.body?.t, safeNext(req.body?.next)));

  app.post('/logout', async (req, reply) => {
    sessions.end(readCookie(req.headers.cookie, SESSION_COOKIE));
    reply.header('set-cookie', setCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, sameSite: 'Strict', path: '/', secure: secureCookies }));
    return reply.code(200).type('text/html').send(page('Sextant: logged out', '<p>Logged out. <a href="/">Log in again</a>.</p>'));
  });

  const oidc = opts.oidc;
  if (!oidc) return;
  app.get<{ Querystring: { next?: string } }>('/auth/oidc/login', async (req, reply) => {
    const { url, state } = await oidc.start(`${base(req)}/auth/oidc/callback`, safeNext(req.query.next));
    // Lax, not Strict: the provider's redirect back to us is a cross-site navigation, which must carry it.
    reply.header('set-cookie', setCookie(OIDC_STATE_COOKIE, state, { maxAgeSeconds: 600, sameSite: 'Lax', path: '/auth/oidc', secure: secureCookies }));
    return reply.redirect(url, 302);
  });
  app.get('/auth/oidc/callback', async (req, reply) => {
    const callbackUrl = new URL(req.url, `${base(req)}/`);
    let result: { subject: string; next: string };
    try {
      result = await oidc.finish(callbackUrl, readCookie(req.headers.cookie, OIDC_STATE_COOKIE));
    } catch (err) {
      const why = (err as Error).message;
      return reply.code(401).type('text/html').send(page('Sextant: login failed', `<p>Login failed: ${escapeHtml(why)}.</p><p><a href="/auth/oidc/login">Try again</a>.</p>`));
    }
    startSession(reply, result.subject);
    reply.header('set-cookie', [reply.getHeader('set-cookie') as string, setCookie(OIDC_STATE_COOKIE, '', { maxAgeSeconds: 0, sameSite: 'Lax', path: '/auth/oidc', secure: secureCookies })]);
    return continueTo(reply, result.next);
  });
}
