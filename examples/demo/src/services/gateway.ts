// The shop's front door: the JSON API the load generator (a browser, in real life) calls, which checks the
// token with auth and forwards to the services behind; and the control page that switches fault scenarios.
import { call } from '../lib/http-client.js';
import { HttpError, serve, type Reply, type Request, type Route } from '../lib/http-server.js';
import { currentScenario, requestScenario, serviceUrl } from '../lib/runtime.js';
import { isScenarioName, SCENARIOS } from '../scenarios.js';
import { controlPage } from '../control-page.js';
import { ENV } from '../control-protocol.js';

async function signedIn(req: Request): Promise<string> {
  const authorization = req.headers.authorization;
  if (!authorization) throw new HttpError(401, 'sign in first: POST /api/login');
  const { user } = await call<{ user: string }>(`${serviceUrl('auth')}/verify`, { headers: { authorization } });
  return user;
}

/** Forwards to a service; its client errors pass through, its failures become 502 (the gateway's own answer). */
async function forward(url: string, options: Parameters<typeof call>[1] = {}, status = 200): Promise<Reply> {
  try {
    return { status, body: await call(url, options) };
  } catch (error) {
    if (error instanceof HttpError && error.status < 500) throw error;
    throw new HttpError(502, (error as Error).message);
  }
}

function api(method: Route['method'], path: string, handler: (req: Request, user: string) => Promise<Reply>): Route {
  return { method, path, handler: async (req) => handler(req, await signedIn(req)) };
}

const cartOf = (user: string) => `${serviceUrl('cart')}/carts/${encodeURIComponent(user)}`;

await serve([
  { method: 'GET', path: '/', handler: () => ({ body: controlPage(process.env[ENV.sextantUrl]), contentType: 'text/html; charset=utf-8' }) },
  { method: 'GET', path: '/control/scenario', handler: () => ({ body: { scenario: currentScenario(), scenarios: SCENARIOS } }) },
  {
    method: 'POST',
    path: '/control/scenario',
    handler: async ({ body }) => {
      const name = (body as { scenario?: unknown } | undefined)?.scenario;
      if (!isScenarioName(name)) throw new HttpError(400, `scenario must be one of ${Object.keys(SCENARIOS).join(', ')}`);
      await requestScenario(name);
      return { body: { scenario: currentScenario() } };
    },
  },
  { method: 'POST', path: '/api/login', handler: async ({ body }) => forward(`${serviceUrl('auth')}/login`, { method: 'POST', body }) },
  api('GET', '/api/products', async () => forward(`${serviceUrl('catalog')}/products`)),
  api('GET', '/api/products/:id', async ({ params }) => forward(`${serviceUrl('catalog')}/products/${encodeURIComponent(params.id)}`)),
  api('GET', '/api/search', async ({ query }) => forward(`${serviceUrl('catalog')}/search?q=${encodeURIComponent(query.get('q') ?? '')}`)),
  api('POST', '/api/assistant', async ({ body }) => forward(`${serviceUrl('assistant')}/ask`, { method: 'POST', body })),
  api('GET', '/api/cart', async (_req, user) => forward(cartOf(user))),
  api('POST', '/api/cart/items', async ({ body }, user) => forward(`${cartOf(user)}/items`, { method: 'POST', body }, 201)),
  api('DELETE', '/api/cart', async (_req, user) => forward(cartOf(user), { method: 'DELETE' }, 204)),
  api('POST', '/api/checkout', async (_req, user) => forward(`${serviceUrl('checkout')}/checkout`, { method: 'POST', body: { user } }, 201)),
]);
