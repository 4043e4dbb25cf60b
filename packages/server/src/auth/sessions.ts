/**
 * Browser sessions of the UI and query API: a random id in an `HttpOnly; SameSite=Strict` cookie, so page
 * scripts cannot read it and other sites cannot make the browser send it. Sessions live in memory: a restart
 * logs everyone out, which is the price of keeping no secret on disk.
 */
import { createHash } from 'node:crypto';
import { randomToken } from './secrets.js';

export const SESSION_COOKIE = 'sextant_session';

interface Session {
  subject: string;
  expiresAt: number;
}

/** Keys are digests of the ids, so the map's lookup time says nothing about a valid id. */
function key(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(readonly ttlMs: number) {}

  create(subject: string): string {
    const now = Date.now();
    for (const [k, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(k);
    const id = randomToken();
    this.sessions.set(key(id), { subject, expiresAt: now + this.ttlMs });
    return id;
  }

  /** The subject (user) of a live session, or null. */
  subject(id: string | undefined): string | null {
    if (!id) return null;
    const s = this.sessions.get(key(id));
    if (!s) return null;
    if (s.expiresAt <= Date.now()) {
      this.sessions.delete(key(id));
      return null;
    }
    return s.subject;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(key(id));
  }
}

/** One cookie's value from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  sameSite: 'Strict' | 'Lax';
  path: string;
  secure: boolean;
}

export function setCookie(name: string, value: string, o: CookieOptions): string {
  return `${name}=${value}; Path=${o.path}; Max-Age=${o.maxAgeSeconds}; HttpOnly; SameSite=${o.sameSite}${o.secure ? '; Secure' : ''}`;
}
