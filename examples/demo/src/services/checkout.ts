// Checkout: reads the cart, charges it (retrying payments' 5xx answers), queues the order for the worker and
// empties the cart.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { withSpan } from '@sextant/node';
import { publish } from '../lib/broker-client.js';
import { call } from '../lib/http-client.js';
import { HttpError, serve } from '../lib/http-server.js';
import { currentScenario, serviceUrl } from '../lib/runtime.js';

const MAX_ATTEMPTS = 3;

interface Cart {
  items: { productId: number; quantity: number }[];
  total: number;
}

function chargeOnce(amount: number): Promise<{ chargeId: string }> {
  const charge = () => call<{ chargeId: string }>(`${serviceUrl('payments')}/charges`, { method: 'POST', body: { amount } });
  // lost-traceparent: the call runs outside the request's context, as happens when work is handed to a pool,
  // a home-made event emitter or a library that loses async context. The client span then has no parent: it
  // starts a new trace, and payments' spans land there instead of in the checkout's trace.
  return currentScenario() === 'lost-traceparent' ? context.with(ROOT_CONTEXT, charge) : charge();
}

async function chargeWithRetries(amount: number): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { chargeId } = await withSpan('charge-payment', { 'payment.attempt': attempt }, () => chargeOnce(amount));
      return chargeId;
    } catch (error) {
      const retriable = error instanceof HttpError && error.status >= 500;
      if (!retriable || attempt === MAX_ATTEMPTS) throw new HttpError(502, `payment failed after ${attempt} attempts: ${(error as Error).message}`);
      await sleep(25 * 2 ** attempt);
    }
  }
}

await serve([
  {
    method: 'POST',
    path: '/checkout',
    handler: async ({ body }) => {
      const user = (body as { user?: unknown } | undefined)?.user;
      if (typeof user !== 'string') throw new HttpError(400, 'checkout needs {"user": "<name>"}');
      const cartUrl = `${serviceUrl('cart')}/carts/${encodeURIComponent(user)}`;
      const cart = await call<Cart>(cartUrl);
      if (cart.items.length === 0) throw new HttpError(409, 'the cart is empty');
      const chargeId = await chargeWithRetries(cart.total);
      const orderId = randomUUID();
      await publish('orders', { orderId, user, total: cart.total, items: cart.items });
      await call(cartUrl, { method: 'DELETE' });
      return { status: 201, body: { orderId, chargeId, total: cart.total } };
    },
  },
]);
