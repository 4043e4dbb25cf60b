/**
 * Streamable HTTP MCP at `/api/mcp` on the query port, stateless: each POST carries one JSON-RPC message and
 * gets its answer as JSON, so no session state lives in the server. The tools call the query server's own
 * routes in-process with the caller's credentials.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { inProcessClient } from './client.js';
import { createMcpServer, mcpContext } from './server.js';
import type { TraceCache } from './trace-loader.js';

export const MCP_PATH = '/api/mcp';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopbackAddress(addr: string | undefined): boolean {
  return addr !== undefined && (addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.'));
}

function hostName(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
}

/**
 * The MCP spec's DNS-rebinding defence: a page on another site must not drive the tools. A browser that was
 * rebound to the loopback address still sends its own site's name as Host, so on loopback only loopback names
 * are accepted; and a request from a page (it has an Origin) must come from this very origin.
 */
export function mcpRequestProblem(req: FastifyRequest): string | null {
  const host = req.headers.host ?? '';
  if (isLoopbackAddress(req.socket.localAddress) && !LOOPBACK_NAMES.has(hostName(host).toLowerCase())) {
    return `Host '${host}' is not this server's loopback address (DNS rebinding protection)`;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
    return `Origin '${origin}' may not use this server's MCP endpoint (only same-origin requests are accepted)`;
  }
  return null;
}

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
    const problem = mcpRequestProblem(req);
    if (problem !== null) return jsonRpcError(reply, 403, -32000, problem);
    const server = createMcpServer(mcpContext(inProcessClient(app, forwarded(req)), cache));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
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
      handler: async (req, reply) => {
        const problem = mcpRequestProblem(req);
        if (problem !== null) return jsonRpcError(reply, 403, -32000, problem);
        return jsonRpcError(reply.header('allow', 'POST'), 405, -32000, `${method} is not supported: this MCP endpoint is stateless, POST each message`);
      },
    });
  }
}
