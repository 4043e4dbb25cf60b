// HTTP to the demo's stand-in infrastructure (broker, cache). A real Redis or Kafka client speaks its own
// protocol and makes one span per operation; ours speaks HTTP, so the fetch underneath is kept out of the trace
// (suppressTracing) and the operation span the caller makes is the only one, as with the real thing.
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

export function untracedFetch(url: string, init?: RequestInit): Promise<Response> {
  return context.with(suppressTracing(context.active()), () => fetch(url, init));
}
