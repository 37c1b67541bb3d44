import { z } from 'zod';
import type { ChatRequest, MessageRef } from '../../handlers/chat-request.js';
import {
  MAX_BUTTON_VALUE_CHARS,
  MAX_COMMAND_CHARS,
  oversizedInputRefusal,
} from '../../handlers/input-limits.js';
import { slackMessageRef } from './ids.js';

/**
 * Slack payloads → platform-neutral `ChatRequest`s. Field names stay as Slack spells them in the schemas
 * and become our camelCase once, here. Bodies are signed, but still parsed: a payload we do not
 * understand is dropped with a reason, never half-used.
 */

const id = z.string().min(1).max(255);
const text = z.string().max(MAX_COMMAND_CHARS);

export const slashCommandSchema = z.looseObject({
  command: z.string().max(64),
  text: text.default(''),
  user_id: id,
  user_name: z.string().max(255).optional(),
  channel_id: id,
  trigger_id: id,
  response_url: z
    .url({ protocol: /^https?$/ })
    .max(3_000)
    .optional(),
});
export type SlashCommand = z.infer<typeof slashCommandSchema>;

export const blockActionsSchema = z.looseObject({
  type: z.literal('block_actions'),
  user: z.looseObject({ id, name: z.string().max(255).optional(), username: z.string().max(255).optional() }),
  trigger_id: id,
  response_url: z
    .url({ protocol: /^https?$/ })
    .max(3_000)
    .optional(),
  channel: z.looseObject({ id }).optional(),
  container: z
    .looseObject({ channel_id: id.optional(), message_ts: id.optional(), thread_ts: id.optional() })
    .optional(),
  message: z.looseObject({ ts: id, thread_ts: id.optional() }).optional(),
  actions: z
    .array(
      z.looseObject({
        action_id: z.string().max(255),
        value: z.string().max(MAX_BUTTON_VALUE_CHARS).optional(),
        action_ts: z.string().max(64).optional(),
      }),
    )
    .min(1)
    .max(25),
});
export type BlockActions = z.infer<typeof blockActionsSchema>;

export const messageEventSchema = z.looseObject({
  type: z.enum(['app_mention', 'message']),
  user: id.optional(),
  text: text.default(''),
  ts: id,
  channel: id,
  thread_ts: id.optional(),
  channel_type: z.string().max(32).optional(),
  subtype: z.string().max(64).optional(),
  bot_id: z.string().max(64).optional(),
});

/** Where to tell the person that their signed request could not be read: its response URL, if usable. */
const refusalTargetSchema = z.looseObject({
  response_url: z.url({ protocol: /^https?$/ }).max(3_000),
  channel_id: id.optional(),
  channel: z.looseObject({ id }).optional(),
});

/**
 * What a person is told when Slack sent a signed command or button press we cannot read (too long, a
 * missing field), and where: the request's `response_url`. Undefined when it has none to answer on.
 */
export function refusalOf(
  body: unknown,
  error: z.ZodError,
  what: 'command' | 'button',
): { responseUrl: string; channelId: string; text: string } | undefined {
  const target = refusalTargetSchema.safeParse(body);
  if (!target.success) return undefined;
  const field = error.issues[0]?.path.map(String).join('.') || 'its payload';
  const text =
    oversizedInputRefusal(error, what) ??
    (what === 'command'
      ? `I could not read that /dbx command (${field} is not what Slack sends), so I did not run it.`
      : `I could not read that button press (${field} is not what Slack sends), so I did not act on it.`);
  return {
    responseUrl: target.data.response_url,
    channelId: target.data.channel_id ?? target.data.channel?.id ?? 'unknown',
    text,
  };
}

const secondsToMs = (s: string | number | undefined, fallback: number) => {
  const n = Number(s);
  return Number.isFinite(n) && n > 0 ? Math.floor(n * 1000) : fallback;
};

/** `/dbx <text>` → a command request; `requestId` is the command's `trigger_id`. */
export function commandRequest(body: SlashCommand, nowMs: number): ChatRequest {
  return {
    kind: 'command',
    text: body.text,
    actor: {
      surface: 'slack',
      userId: body.user_id,
      ...(body.user_name === undefined ? {} : { displayName: body.user_name }),
    },
    conversation: { surface: 'slack', channelId: body.channel_id, isDirect: body.channel_id.startsWith('D') },
    requestId: body.trigger_id,
    receivedAt: nowMs,
  };
}

/** What a button press needs besides the request: the message it was on and the thread to reply into. */
export interface ButtonOrigin {
  readonly request: Extract<ChatRequest, { kind: 'button' }>;
  readonly message: MessageRef | undefined;
  /** Root of the card's thread (the card itself unless it was posted as a reply). */
  readonly threadTs: string | undefined;
}

/** The first action of a `block_actions` payload → a button request; `requestId` is the `trigger_id`. */
export function buttonRequest(body: BlockActions, nowMs: number): ButtonOrigin | undefined {
  const action = body.actions[0];
  if (action === undefined) return undefined;
  const channelId = body.container?.channel_id ?? body.channel?.id;
  const ts = body.container?.message_ts ?? body.message?.ts;
  const message = channelId !== undefined && ts !== undefined ? slackMessageRef(channelId, ts) : undefined;
  const threadTs = body.container?.thread_ts ?? body.message?.thread_ts ?? ts;
  const displayName = body.user.username ?? body.user.name;
  return {
    request: {
      kind: 'button',
      actionId: action.action_id,
      value: action.value ?? '',
      ...(message === undefined ? {} : { message }),
      actor: {
        surface: 'slack',
        userId: body.user.id,
        ...(displayName === undefined ? {} : { displayName }),
      },
      conversation: {
        surface: 'slack',
        channelId: channelId ?? '',
        ...(threadTs === undefined ? {} : { threadId: threadTs }),
      },
      requestId: body.trigger_id,
      receivedAt: secondsToMs(action.action_ts, nowMs),
    },
    message,
    threadTs,
  };
}

/** Removes the leading `<@BOT>` of a mention (and any other leading mentions) so the question reads plainly. */
export function stripMentions(raw: string): string {
  return raw.replace(/^(\s*<@[A-Z0-9]+(\|[^>]*)?>[\s,:]*)+/, '').trim();
}

/**
 * An `app_mention` or a DM (`message` with `channel_type: im`) → a question; `requestId` is the envelope's
 * `event_id` so Slack's retries of the same delivery are one request. Edits, bot posts and channel
 * messages return undefined.
 */
export function questionRequest(
  event: z.infer<typeof messageEventSchema>,
  eventId: string,
  eventTimeSec: number | undefined,
  nowMs: number,
): ChatRequest | undefined {
  if (event.user === undefined || event.subtype !== undefined || event.bot_id !== undefined) return undefined;
  const direct = event.type === 'message';
  if (direct && event.channel_type !== 'im') return undefined;
  return {
    kind: 'question',
    text: stripMentions(event.text).slice(0, 4_000),
    actor: { surface: 'slack', userId: event.user },
    conversation: {
      surface: 'slack',
      channelId: event.channel,
      threadId: event.thread_ts ?? event.ts,
      isDirect: direct,
    },
    requestId: eventId,
    receivedAt: secondsToMs(eventTimeSec, nowMs),
  };
}
