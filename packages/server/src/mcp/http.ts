/**
 * Streamable HTTP MCP at `/api/mcp` on the query port, stateless: each POST carries one JSON-RPC message and
 * gets its answer as JSON, so no session state lives in the server. The tools call the query server's own
 * routes in-process with the caller's credentials. The listener's browser policy (security/browser-policy.ts)
 * runs before this route: a page from another site is refused and a rebound Host name gets 421, which is the
 * DNS-rebinding defence the MCP spec asks of Streamable HTTP servers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { inProcessClient } from './client.js';
import { createMcpServer, mcpContext } from './server.js';
import type { TraceCache } from './trace-loader.js';

export const MCP_PATH = '/api/mcp';

function jsonRpcError(reply: FastifyReply, status: number, code: number, message: string) {
  return reply.code(status).send({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/** Headers the in-process API calls carry on the caller's behalf. */
function forwarded(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['host', 'authorization', 'cookie']) {
    const v = req.headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

export function registerMcpRoute(app: FastifyInstance): void {
  const cache: TraceCache = new Map();

  app.post(MCP_PATH, async (req, reply) => {
    const server = createMcpServer(mcpContext(inProcessClient(app, forwarded(req)), cache));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    // The transport writes the answer itself; the headers the listener's hooks set (security, CORS) go with it.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req.raw, reply.raw, req.body);
    } catch (err) {
      req.log.error(err);
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: `internal error: ${(err as Error).message}` }, id: null }));
      }
    }
  });

  // Stateless: no server-initiated stream to open (GET) and no session to end (DELETE).
  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: MCP_PATH,
      handler: async (_req, reply) =>
        jsonRpcError(reply.header('allow', 'POST'), 405, -32000, `${method} is not supported: this MCP endpoint is stateless, POST each message`),
    });
  }
}
