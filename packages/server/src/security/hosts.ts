/**
 * Which `Host` headers a listener answers. DNS rebinding works by pointing an attacker's name at 127.0.0.1: the
 * browser then treats Sextant as part of the attacker's site. Refusing names we were not told about defeats it.
 * IP literals are always accepted: a browser that sends one connected to that address itself, so the page's
 * origin really is this server.
 */
import { isIP } from 'node:net';

export type HostCheck = (hostHeader: string | undefined) => boolean;

/** The host part of a Host header or URL authority, lower-cased, without port or IPv6 brackets. */
export function hostName(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith('[')) return a.slice(1, a.indexOf(']') > 0 ? a.indexOf(']') : undefined);
  const colon = a.lastIndexOf(':');
  return colon >= 0 && a.indexOf(':') === colon ? a.slice(0, colon) : a;
}

/**
 * @param bindHost the address the listeners are bound to (a name there is allowed too)
 * @param extra `--allowed-hosts` entries: exact names, `.example.com` for a domain and its subdomains, or `*`
 *   to turn the check off (for a trusted proxy that rewrites Host itself).
 */
export function hostCheck(bindHost: string, extra: readonly string[]): HostCheck {
  const names = new Set(['localhost', hostName(bindHost), ...extra.map((e) => hostName(e))].filter((n) => n && !n.startsWith('.')));
  const suffixes = ['.localhost', ...extra.map((e) => e.trim().toLowerCase()).filter((e) => e.startsWith('.'))];
  if (extra.some((e) => e.trim() === '*')) return () => true;
  return (header) => {
    // HTTP/1.0 clients may omit Host; browsers never do, so such a request cannot come from a rebound page.
    if (header === undefined) return true;
    const name = hostName(header);
    if (isIP(name) !== 0 || names.has(name)) return true;
    return suffixes.some((s) => name.endsWith(s) || name === s.slice(1));
  };
}
