// The faults the demo can plant, one at a time. `none` is normal operation.
export const SCENARIOS = {
  none: 'normal operation',
  'slow-db': 'the catalog search query takes 250–350 ms (a missing index, a saturated database)',
  'n-plus-one': 'the cart loads its items with one query per item instead of one join',
  'payments-5xx': 'payments fails every other charge with 503; checkout retries up to 3 times',
  'cache-outage': 'the cache answers 503 to everything, so every catalog read goes to the database',
  'lost-traceparent': 'checkout calls payments outside the request context, so the trace breaks in two',
  'leaked-secret': 'payments records the card number in a span attribute (a secret in the traces)',
  'raw-span-names': 'the services name their server spans after the raw path (GET /products/7), not the route',
} as const;

export type ScenarioName = keyof typeof SCENARIOS;

export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

export function isScenarioName(name: unknown): name is ScenarioName {
  return typeof name === 'string' && Object.hasOwn(SCENARIOS, name);
}
