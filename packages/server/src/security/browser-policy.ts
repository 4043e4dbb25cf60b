/**
 * What a web browser may do with a Sextant listener. Servers, SDKs and curl send neither `Origin` nor
 * `Sec-Fetch-*`, so they are unaffected; a page from another origin (any other scheme, host or port) is refused
 * unless its origin is listed, and a page reaching us under a foreign name (DNS rebinding) gets 421.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hostName, type HostCheck } from './hosts.js';

export interface BrowserPolicy {
  hosts: HostCheck;
  /** Origins (`scheme://host[:port]`) allowed to call this listener from their pages; `*` allows every origin. */
  corsOrigins: readonly string[];
  /** Methods offered to allowed origins in preflight answers. */
  corsMethods: string;
  /** Content-Security-Policy of every answer. */
  contentSecurityPolicy: string;
}

/** For the web UI: its own scripts, styles and API only; never framed. */
export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/** For listeners that serve no pages. */
export const NO_CONTENT_CSP = "default-src 'none'; frame-ancestors 'none'";

/** A header value safe to quote in a plain-text answer. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

function normaliseOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // 'null' (sandboxed frames, file: pages) or garbage
  }
}

function setSecurityHeaders(reply: FastifyReply, csp: string): void {
  reply.header('content-security-policy', csp);
  reply.header('x-frame-options', 'DENY');
  reply.header('x-content-type-options', 'nosniff');
  // Not no-referrer: under it, browsers send `Origin: null` with the UI's own form posts, which would be refused.
  reply.header('referrer-policy', 'same-origin');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
}

/** Installs the policy on a listener's root instance, before its routes, so every route and 404 is covered. */
export function applyBrowserPolicy(app: FastifyInstance, policy: BrowserPolicy): void {
  const allowAny = policy.corsOrigins.includes('*');
  const allowed = new Set(policy.corsOrigins.map(normaliseOrigin));

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    setSecurityHeaders(reply, policy.contentSecurityPolicy);
    const host = req.headers.host;
    if (!policy.hosts(host)) {
      const name = printable(hostName(host ?? ''));
      return reply
        .code(421)
        .type('text/plain')
        .send(`this server does not answer to the name '${name}'; if that name is yours, start Sextant with --allowed-hosts ${name}\n`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (isSameOrigin(origin, host)) return;
      if (!allowAny && !allowed.has(normaliseOrigin(origin))) {
        return reply
          .code(403)
          .type('text/plain')
          .send(`requests from pages on ${printable(origin)} are refused; list that origin in --cors-origins (query API) or --ingest-cors-origins (receivers) to allow them\n`);
      }
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
        const requested = req.headers['access-control-request-headers'];
        if (requested) reply.header('access-control-allow-headers', requested);
        return reply.code(204).header('access-control-allow-methods', policy.corsMethods).header('access-control-max-age', '600').send();
      }
      return;
    }
    // Without an Origin, a cross-origin browser request is a no-cors load (<img>, <script>): its answer is
    // opaque, but refusing it outright keeps even timing and side channels closed. Navigations stay allowed so
    // that links to a trace page work.
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none' && req.headers['sec-fetch-mode'] !== 'navigate') {
      return reply.code(403).type('text/plain').send('cross-origin requests are refused\n');
    }
  });
}
