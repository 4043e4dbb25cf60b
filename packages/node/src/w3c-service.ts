// A service for the official W3C Trace Context test harness (github.com/w3c/trace-context, test/):
// the harness POSTs to /test a JSON array of {url, arguments}; for each item, in order, the service POSTs
// `arguments` as JSON to `url`. The service itself does nothing about trace context: the instrumentation
// started by @sextant/node extracts the incoming headers and injects them into the outgoing calls, which is
// exactly what the harness checks.
import type { IncomingMessage, ServerResponse } from 'node:http';

interface HarnessCall {
  url: string;
  arguments: unknown;
}

function isHarnessCall(value: unknown): value is HarnessCall {
  return typeof value === 'object' && value !== null && typeof (value as HarnessCall).url === 'string';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
}

export function w3cTestHandler(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST' || req.url !== '/test') return reply(res, 404, 'POST /test only\n');
  void (async () => {
    let calls: unknown;
    try {
      calls = JSON.parse(await readBody(req));
    } catch {
      return reply(res, 400, 'body must be JSON\n');
    }
    if (!Array.isArray(calls) || !calls.every(isHarnessCall)) return reply(res, 400, 'body must be an array of {url, arguments}\n');
    for (const call of calls) {
      try {
        const answer = await fetch(call.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(call.arguments ?? []),
        });
        await answer.arrayBuffer();
      } catch {
        // An unreachable callback fails that harness check, not the whole request.
      }
    }
    reply(res, 200, 'ok\n');
  })();
}
