import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A chat-completions server on loopback: what OpenAI, Azure OpenAI and Databricks serving endpoints
 * speak, streamed as server-sent events the way they stream (content and tool-call arguments in
 * pieces, usage in a last chunk). Each request takes the next scripted turn; the requests are kept
 * for assertions.
 */
interface ScriptedTurn {
  readonly content?: string;
  readonly toolCalls?: readonly { readonly name: string; readonly arguments: string }[];
  /** Answer with this HTTP status and an error body instead. */
  readonly status?: number;
  /** Wait this long before answering (to meet a timeout). */
  readonly delayMs?: number;
  readonly totalTokens?: number;
}

export interface FakeChatCompletions {
  readonly baseURL: string;
  /** The JSON bodies received, in order. */
  readonly requests: Record<string, unknown>[];
  /** Turns still to play; push more at any time. */
  readonly script: ScriptedTurn[];
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });

export async function startFakeChatCompletions(): Promise<FakeChatCompletions> {
  const requests: Record<string, unknown>[] = [];
  const script: ScriptedTurn[] = [];
  const server: Server = createServer(async (req, res) => {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    requests.push(body);
    const turn = script.shift() ?? { content: 'I have nothing more to say.' };
    if (turn.delayMs !== undefined) await new Promise((r) => setTimeout(r, turn.delayMs));
    if (res.destroyed) return;
    if (turn.status !== undefined) {
      res
        .writeHead(turn.status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'scripted failure', type: 'server_error' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const base = {
      id: `chatcmpl-${requests.length}`,
      object: 'chat.completion.chunk',
      created: 0,
      model: String(body.model),
    };
    const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
    send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    const content = turn.content ?? '';
    for (const piece of [
      content.slice(0, Math.ceil(content.length / 2)),
      content.slice(Math.ceil(content.length / 2)),
    ]) {
      if (piece !== '') send([{ index: 0, delta: { content: piece }, finish_reason: null }]);
    }
    (turn.toolCalls ?? []).forEach((call, index) => {
      const half = Math.ceil(call.arguments.length / 2);
      send([
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index,
                id: `call_${requests.length}_${index}`,
                type: 'function',
                function: { name: call.name, arguments: call.arguments.slice(0, half) },
              },
            ],
          },
          finish_reason: null,
        },
      ]);
      send([
        {
          index: 0,
          delta: { tool_calls: [{ index, function: { arguments: call.arguments.slice(half) } }] },
          finish_reason: null,
        },
      ]);
    });
    send([{ index: 0, delta: {}, finish_reason: (turn.toolCalls ?? []).length > 0 ? 'tool_calls' : 'stop' }]);
    if (body.stream_options !== undefined) {
      const total = turn.totalTokens ?? 100;
      send([], { usage: { prompt_tokens: total - 10, completion_tokens: 10, total_tokens: total } });
    }
    res.end('data: [DONE]\n\n');
  });
  // Node closes an idle keep-alive connection after 5 s, which is about how long a test that opens a
  // store takes: a client reusing the pooled connection just as the server closes it fails its next
  // request, a race real model endpoints do not run with us. Closing is ours to do, in `close`.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    script,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
