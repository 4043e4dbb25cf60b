// The shop assistant: an LLM agent that answers shoppers' questions with tools, instrumented with the
// OpenTelemetry GenAI semantic conventions. The model is fake and deterministic (no network, no weights): it
// asks for a product search, then for the top result's details, then answers; its latency and token counts
// follow from the text it reads and writes. The tools call the catalog over HTTP, so a slow catalog (slow-db)
// shows up as tool time in the agent's run.
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, withSpan } from '@sextant/node';
import { call } from '../lib/http-client.js';
import { HttpError, serve } from '../lib/http-server.js';
import { serviceUrl } from '../lib/runtime.js';
import { SEARCH_TERMS, type Product } from '../lib/products.js';

const AGENT = 'shop-assistant';
const MODEL = 'sextant-fake-1';
const PROVIDER = 'sextant-demo';
const SYSTEM = 'You are the shop assistant of a store for navigation instruments. Use the tools; answer in one sentence.';

type Part =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments: Record<string, unknown> }
  | { type: 'tool_call_response'; id: string; response: unknown };
interface Message {
  role: 'user' | 'assistant' | 'tool';
  parts: Part[];
}

/** About four characters a token, as for English text. */
function tokens(messages: readonly Message[]): number {
  return Math.ceil(JSON.stringify(messages).length / 4);
}

/** The fake model's next message: search, then look up the best match, then answer. */
function nextMessage(conversation: readonly Message[]): Message {
  const results = conversation.flatMap((m) => m.parts).filter((p): p is Extract<Part, { type: 'tool_call_response' }> => p.type === 'tool_call_response');
  const question = (conversation[0]?.parts[0] as { content?: string } | undefined)?.content ?? '';
  if (results.length === 0) {
    const term = SEARCH_TERMS.find((t) => question.toLowerCase().includes(t)) ?? question.split(/\W+/).filter(Boolean).pop() ?? '';
    return { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'search_products', arguments: { query: term } }] };
  }
  const found = results[0]!.response as Pick<Product, 'id' | 'name' | 'price'>[];
  if (results.length === 1 && found.length > 0) {
    return { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_2', name: 'get_product', arguments: { id: found[0]!.id } }] };
  }
  if (found.length === 0) return { role: 'assistant', parts: [{ type: 'text', content: 'Sorry, we have nothing like that in the shop.' }] };
  const p = results[1]!.response as Product;
  return { role: 'assistant', parts: [{ type: 'text', content: `Yes: the ${p.name} costs $${p.price.toFixed(2)} and ${p.stock} are in stock.` }] };
}

/** One model call: a CLIENT span with the request, the answer, and the token usage. */
async function chat(conversation: readonly Message[]): Promise<Message> {
  return withSpan(
    `chat ${MODEL}`,
    SpanKind.CLIENT,
    { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': PROVIDER, 'gen_ai.request.model': MODEL },
    async (span) => {
      const answer = nextMessage(conversation);
      const input = tokens(conversation) + Math.ceil(SYSTEM.length / 4);
      const output = tokens([answer]);
      // Reading the prompt and writing the answer take time in proportion to their tokens.
      await sleep(10 + input * 0.02 + output * 0.5);
      span.setAttributes({
        'gen_ai.response.model': MODEL,
        'gen_ai.usage.input_tokens': input,
        'gen_ai.usage.output_tokens': output,
        'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: SYSTEM }]),
        'gen_ai.input.messages': JSON.stringify(conversation),
        'gen_ai.output.messages': JSON.stringify([{ ...answer, finish_reason: answer.parts[0]!.type === 'tool_call' ? 'tool_call' : 'stop' }]),
      });
      return answer;
    },
  );
}

const TOOLS: Record<string, (args: Record<string, unknown>) => Promise<unknown>> = {
  search_products: async ({ query }) => {
    const rows = await call<Pick<Product, 'id' | 'name' | 'price'>[]>(`${serviceUrl('catalog')}/search?q=${encodeURIComponent(String(query ?? ''))}`);
    return rows.slice(0, 3);
  },
  get_product: async ({ id }) => call<Product>(`${serviceUrl('catalog')}/products/${encodeURIComponent(String(id))}`),
};

async function runTool(part: Extract<Part, { type: 'tool_call' }>): Promise<Message> {
  return withSpan(
    `execute_tool ${part.name}`,
    {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': part.name,
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.call.id': part.id,
      'gen_ai.tool.call.arguments': JSON.stringify(part.arguments),
    },
    async (span) => {
      const tool = TOOLS[part.name];
      if (!tool) throw new Error(`the model asked for an unknown tool ${part.name}`);
      const response = await tool(part.arguments);
      span.setAttribute('gen_ai.tool.call.result', JSON.stringify(response));
      return { role: 'tool', parts: [{ type: 'tool_call_response', id: part.id, response }] };
    },
  );
}

const MAX_TURNS = 5;

await serve([
  {
    method: 'POST',
    path: '/ask',
    handler: async ({ body }) => {
      const question = (body as { question?: unknown } | undefined)?.question;
      if (typeof question !== 'string' || question.trim() === '') throw new HttpError(400, 'ask with {"question": "<text>"}');
      const answer = await withSpan(
        `invoke_agent ${AGENT}`,
        { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': AGENT, 'gen_ai.provider.name': PROVIDER, 'gen_ai.request.model': MODEL },
        async () => {
          const conversation: Message[] = [{ role: 'user', parts: [{ type: 'text', content: question.slice(0, 500) }] }];
          for (let turn = 0; turn < MAX_TURNS; turn++) {
            const reply = await chat(conversation);
            conversation.push(reply);
            const calls = reply.parts.filter((p): p is Extract<Part, { type: 'tool_call' }> => p.type === 'tool_call');
            if (calls.length === 0) return (reply.parts[0] as { content: string }).content;
            for (const c of calls) conversation.push(await runTool(c));
          }
          return 'I could not find an answer in time.';
        },
      );
      return { body: { answer } };
    },
  },
]);
