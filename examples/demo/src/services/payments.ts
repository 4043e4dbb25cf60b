// Charges cards through an (imaginary) payment provider. In the payments-5xx scenario the provider fails every
// other charge; the failure starts in the `charge-card` span, which makes it the root cause of the trace. In
// leaked-secret it records the card number on its server span, which `sextant check` must catch.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import { withSpan } from '@sextant/node';
import { HttpError, serve } from '../lib/http-server.js';
import { currentScenario } from '../lib/runtime.js';

class ProviderUnavailable extends Error {
  override name = 'ProviderUnavailable';
}

let charges = 0;

await serve([
  {
    method: 'POST',
    path: '/charges',
    handler: async ({ body }) => {
      const { amount } = (body ?? {}) as { amount?: unknown };
      // leaked-secret: the card on file lands in an attribute, as debugging code that records a request does.
      if (currentScenario() === 'leaked-secret') trace.getActiveSpan()?.setAttribute('payment.card', '4242 4242 4242 4242');
      if (typeof amount !== 'number' || !(amount > 0)) throw new HttpError(400, 'a charge needs {"amount": <positive number>}');
      try {
        const chargeId = await withSpan('charge-card', { 'payment.provider': 'acme-pay', 'payment.amount': amount }, async () => {
          await sleep(15 + Math.random() * 15); // the provider's round trip
          charges++;
          if (currentScenario() === 'payments-5xx' && charges % 2 === 0) throw new ProviderUnavailable('acme-pay: upstream timeout');
          return randomUUID();
        });
        return { status: 201, body: { chargeId } };
      } catch (error) {
        if (error instanceof ProviderUnavailable) throw new HttpError(503, error.message);
        throw error;
      }
    },
  },
]);
