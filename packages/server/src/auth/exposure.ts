/**
 * The one rule about exposure: listening beyond loopback needs authentication on both sides (an ingest key for
 * the receivers, a login for the UI and API), or an explicit `--allow-anonymous`.
 */
import { isIP } from 'node:net';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

export class ExposureRefused extends Error {}

export function checkExposure(o: { host: string; ingestKeys: number; queryAuth: boolean; allowAnonymous: boolean }): void {
  if (isLoopbackHost(o.host) || o.allowAnonymous) return;
  const missing = [
    o.ingestKeys === 0 ? '--ingest-key (for the receivers)' : null,
    o.queryAuth ? null : '--auth token or --oidc-issuer (for the UI and API)',
  ].filter((m): m is string => m !== null);
  if (missing.length === 0) return;
  throw new ExposureRefused(
    `--host ${o.host} makes Sextant reachable from other machines without authentication; set ${missing.join(' and ')}, or pass --allow-anonymous if the network in front of it is trusted`,
  );
}
