// Sign-in and token checks. The gateway asks it about every API request, so it sits on every trace.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withSpan } from '@sextant/node';
import { HttpError, serve } from '../lib/http-server.js';

const sessions = new Map<string, string>();

await serve([
  {
    method: 'POST',
    path: '/login',
    handler: ({ body }) => {
      const user = (body as { user?: unknown } | undefined)?.user;
      if (typeof user !== 'string' || !/^[\w.-]{1,64}$/.test(user)) throw new HttpError(400, 'login needs {"user": "<name>"}');
      // A password hash takes real CPU time; the custom span shows where it goes. The user name stays out of
      // the attributes: traces are read by many people and kept for days.
      const token = withSpan('hash-password', { 'auth.method': 'password' }, () => randomBytes(24).toString('hex'));
      sessions.set(token, user);
      return { body: { token } };
    },
  },
  {
    method: 'GET',
    path: '/verify',
    handler: async ({ headers }) => {
      const token = /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1];
      const user = await withSpan('verify-token', async (span) => {
        await sleep(1); // the signature check
        const found = token === undefined ? undefined : sessions.get(token);
        span.setAttribute('auth.valid', found !== undefined);
        return found;
      });
      if (user === undefined) throw new HttpError(401, 'not signed in');
      return { body: { user } };
    },
  },
]);
