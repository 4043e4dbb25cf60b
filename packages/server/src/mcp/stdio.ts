/** `sextant mcp`: the MCP server over stdio, talking to a running Sextant over HTTP. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { httpClient } from './client.js';
import { createMcpServer, mcpContext } from './server.js';

/** Serves until stdin closes. stdout carries the protocol, so anything for people goes to stderr. */
export async function runStdioMcp(url: string, token?: string): Promise<void> {
  const server = createMcpServer(mcpContext(httpClient(url, token)));
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  process.stderr.write(`sextant mcp: serving MCP on stdio for the Sextant at ${url}\n`);
  await closed;
  await server.close();
}
