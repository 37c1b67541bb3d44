import type OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { Env } from '../config/env.js';
import { DbxopsError } from '../domain/errors.js';

/**
 * One turn of a chat-completions model: OpenAI, Azure OpenAI, a Databricks model serving endpoint or
 * any other OpenAI-compatible server, through the `openai` client (`OPENAI_BASE_URL` points it
 * elsewhere). Answers are streamed and put back together here, tool calls included, so a slow model
 * shows progress to the timeout and a server that only streams works too.
 */
export type ChatMessage = ChatCompletionMessageParam;
export type ChatTool = ChatCompletionTool;

interface ToolCall {
  readonly id: string;
  readonly name: string;
  /** The arguments as the model wrote them: JSON text, not yet trusted. */
  readonly arguments: string;
}

interface ChatTurn {
  readonly content: string;
  readonly toolCalls: readonly ToolCall[];
  /** Tokens the turn used: the server's count when it sends one, else an estimate from the text. */
  readonly tokens: number;
}

export interface ChatModel {
  readonly model: string;
  complete(
    messages: readonly ChatMessage[],
    tools: readonly ChatTool[],
    signal: AbortSignal,
  ): Promise<ChatTurn>;
}

/** The model failed (unreachable, refused the request, answered garbage). Never carries the API key. */
export class ModelError extends DbxopsError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('LLM_FAILED', message, details, options);
  }
}

/** Roughly four characters a token, for servers that do not report usage. */
const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/** The configured model, or undefined when `OPENAI_API_KEY` or `DBXOPS_LLM_MODEL` is not set. */
export function chatModelFromEnv(
  env: Pick<Env, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'DBXOPS_LLM_MODEL'>,
): ChatModel | undefined {
  if (env.OPENAI_API_KEY === undefined || env.DBXOPS_LLM_MODEL === undefined) return undefined;
  return createChatModel({
    apiKey: env.OPENAI_API_KEY,
    model: env.DBXOPS_LLM_MODEL,
    ...(env.OPENAI_BASE_URL === undefined ? {} : { baseURL: env.OPENAI_BASE_URL }),
  });
}

function createChatModel(options: { apiKey: string; model: string; baseURL?: string }): ChatModel {
  // The `openai` package is loaded with the first question, not with dbxops: a process that never asks
  // the model (an eval, a worker without a model) does not carry it.
  let client: Promise<{ openai: OpenAI; APIError: typeof OpenAI.APIError }> | undefined;
  const connect = async () => {
    const { default: OpenAIClient } = await import('openai');
    // Retries are ours to decide (the analyst falls back to the router), so the client makes none.
    const openai = new OpenAIClient({
      apiKey: options.apiKey,
      maxRetries: 0,
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    });
    return { openai, APIError: OpenAIClient.APIError };
  };
  return {
    model: options.model,
    async complete(messages, tools, signal) {
      client ??= connect();
      const { openai, APIError } = await client;
      let content = '';
      let usage: number | undefined;
      const calls = new Map<number, { id: string; name: string; arguments: string }>();
      try {
        const stream = await openai.chat.completions.create(
          {
            model: options.model,
            messages: [...messages],
            ...(tools.length === 0 ? {} : { tools: [...tools] }),
            temperature: 0,
            stream: true,
            stream_options: { include_usage: true },
          },
          { signal },
        );
        for await (const chunk of stream) {
          if (chunk.usage?.total_tokens !== undefined) usage = chunk.usage.total_tokens;
          const delta = chunk.choices[0]?.delta;
          if (delta === undefined) continue;
          if (typeof delta.content === 'string') content += delta.content;
          for (const part of delta.tool_calls ?? []) {
            const call = calls.get(part.index) ?? { id: '', name: '', arguments: '' };
            if (part.id) call.id = part.id;
            if (part.function?.name) call.name += part.function.name;
            if (part.function?.arguments) call.arguments += part.function.arguments;
            calls.set(part.index, call);
          }
        }
      } catch (error) {
        if (signal.aborted)
          throw new ModelError('The model did not answer in time.', { reason: 'timeout' }, { cause: error });
        const status = error instanceof APIError ? error.status : undefined;
        throw new ModelError(
          `The model could not be reached${status === undefined ? '' : ` (HTTP ${status})`}.`,
          { reason: 'unavailable', ...(status === undefined ? {} : { status }) },
          { cause: error },
        );
      }
      const toolCalls = [...calls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, c]) => ({ id: c.id || `call_${index}`, name: c.name, arguments: c.arguments }));
      const sent = messages.reduce((n, m) => n + estimateTokens(JSON.stringify(m.content ?? '')), 0);
      return {
        content,
        toolCalls,
        tokens: usage ?? sent + estimateTokens(content + toolCalls.map((c) => c.arguments).join('')),
      };
    },
  };
}
