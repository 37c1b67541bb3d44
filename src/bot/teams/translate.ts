import { z } from 'zod';
import type { ChatRequest, MessageRef } from '../../handlers/chat-request.js';
import {
  MAX_BUTTON_VALUE_CHARS,
  MAX_COMMAND_CHARS,
  oversizedInputRefusal,
  oversizedInputText,
} from '../../handlers/input-limits.js';
import { baseConversationId, isChannelConversation, TEAMS_ID, teamsMessageRef, threadRootOf } from './ids.js';

/**
 * Bot Framework activities → platform-neutral `ChatRequest`s. Field names stay as the Bot Framework
 * spells them in the schemas and become our camelCase once, here. Activities are signed, but still
 * parsed: one we do not understand is refused with a reason, never half-used.
 */

const id = z.string().regex(TEAMS_ID);
const name = z.string().max(256).optional();

const accountSchema = z.looseObject({ id, name, aadObjectId: z.string().max(128).optional() });

export const activitySchema = z.looseObject({
  type: z.string().min(1).max(64),
  id: id.optional(),
  name: z.string().max(256).optional(),
  channelId: z.string().max(64).optional(),
  serviceUrl: z.url({ protocol: /^https?$/ }).max(2_048),
  timestamp: z.string().max(64).optional(),
  // Not capped here: a message over the limit is answered (input-limits.ts), not dropped as unreadable.
  text: z.string().optional(),
  replyToId: id.optional(),
  from: accountSchema,
  recipient: accountSchema,
  conversation: z.looseObject({
    id,
    conversationType: z.string().max(32).optional(),
    tenantId: z.string().max(128).optional(),
    isGroup: z.boolean().optional(),
  }),
  channelData: z.looseObject({ tenant: z.looseObject({ id: z.string().max(128) }).optional() }).optional(),
  value: z.unknown().optional(),
});
export type Activity = z.infer<typeof activitySchema>;

/** The `value` of an `adaptiveCard/action` invoke (an `Action.Execute` click or a card refresh). */
const cardActionValueSchema = z.looseObject({
  action: z.looseObject({
    type: z.literal('Action.Execute'),
    verb: z.string().min(1).max(255),
    id: z.string().max(255).optional(),
    data: z
      .looseObject({
        action: z.string().max(64).optional(),
        value: z.string().max(MAX_BUTTON_VALUE_CHARS).optional(),
      })
      .optional(),
  }),
  trigger: z.string().max(32).optional(),
});

/** First words that make a message a command even without `dbx` in front (`@dbxops incidents`). */
const COMMAND_VERBS: ReadonlySet<string> = new Set([
  'help',
  '?',
  'incidents',
  'incident',
  'status',
  'ack',
  'cost',
  'ask',
]);

const ENTITIES: Record<string, string> = {
  '&nbsp;': ' ',
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

/**
 * Removes leading `<at>…</at>` mentions (the bot's, in a channel) and the HTML entities Teams puts into
 * message text, so the text reads as typed.
 */
export function stripMentions(raw: string): string {
  return raw
    .replace(/^(\s*<at>[^<]{0,256}<\/at>[\s,:]*)+/i, '')
    .replace(/&(nbsp|amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e)
    .trim();
}

/**
 * Decides what a message means: text starting with `dbx` or `/dbx` is a command (the rest is its text),
 * as is text starting with a known verb; anything else is a question.
 */
export function classifyText(text: string): { kind: 'command' | 'question'; text: string } {
  const prefixed = /^\/?dbx(?:\s+|$)/i.exec(text);
  if (prefixed !== null) return { kind: 'command', text: text.slice(prefixed[0].length).trim() };
  const first = text.split(/\s+/, 1)[0]?.toLowerCase() ?? '';
  if (text === '' || COMMAND_VERBS.has(first)) return { kind: 'command', text };
  return { kind: 'question', text };
}

const receivedAt = (activity: Activity, nowMs: number) => {
  const t = activity.timestamp === undefined ? Number.NaN : Date.parse(activity.timestamp);
  return Number.isFinite(t) ? t : nowMs;
};

function actorOf(activity: Activity): ChatRequest['actor'] {
  // The Entra object id is stable across chats and is what access lists name; `29:` ids are per app.
  const userId = activity.from.aadObjectId ?? activity.from.id;
  return {
    surface: 'teams',
    userId,
    ...(activity.from.name === undefined ? {} : { displayName: activity.from.name }),
  };
}

function conversationOf(activity: Activity, threadId: string | undefined): ChatRequest['conversation'] {
  return {
    surface: 'teams',
    channelId: baseConversationId(activity.conversation.id),
    ...(threadId === undefined ? {} : { threadId }),
    isDirect: activity.conversation.conversationType === 'personal',
  };
}

/**
 * The request id of an activity: Teams activity ids are unique within a conversation, so the
 * conversation is part of it. A redelivery of the same activity carries the same id.
 */
function requestIdOf(activity: Activity): string | undefined {
  return activity.id === undefined
    ? undefined
    : `${baseConversationId(activity.conversation.id)}|${activity.id}`;
}

/** A `message` activity → a command or question; undefined for one without an id or text we can use. */
export function messageRequest(activity: Activity, nowMs: number): ChatRequest | undefined {
  const requestId = requestIdOf(activity);
  if (requestId === undefined || activity.type !== 'message') return undefined;
  const text = stripMentions(activity.text ?? '');
  const { kind, text: body } = classifyText(text);
  const root =
    threadRootOf(activity.conversation.id) ??
    (isChannelConversation(activity.conversation.id) ? activity.id : undefined);
  return {
    kind,
    text: body,
    actor: actorOf(activity),
    conversation: conversationOf(activity, root),
    requestId,
    receivedAt: receivedAt(activity, nowMs),
  };
}

/** What a card action needs besides the request: the message the card is, and whether a person clicked. */
export interface ButtonOrigin {
  readonly request: Extract<ChatRequest, { kind: 'button' }>;
  readonly message: MessageRef | undefined;
  /** `manual` for a click; anything else is an automatic `refresh`. */
  readonly manual: boolean;
}

/** What a person is told when a message is too long to read; undefined when it is not. */
export function oversizedMessageRefusal(activity: Activity): string | undefined {
  return (activity.text ?? '').length > MAX_COMMAND_CHARS ? oversizedInputText('command') : undefined;
}

/** What a person is told when a card action's value is too long to read; undefined for any other fault. */
export function cardActionRefusal(activity: Activity): string | undefined {
  const value = cardActionValueSchema.safeParse(activity.value);
  return value.success ? undefined : oversizedInputRefusal(value.error, 'button');
}

/** An `adaptiveCard/action` invoke → a button request; undefined when its value is not an `Action.Execute`. */
export function buttonRequest(activity: Activity, nowMs: number): ButtonOrigin | undefined {
  const requestId = requestIdOf(activity);
  const value = cardActionValueSchema.safeParse(activity.value);
  if (requestId === undefined || !value.success) return undefined;
  const message =
    activity.replyToId === undefined
      ? undefined
      : teamsMessageRef(activity.conversation.id, activity.replyToId);
  const root = threadRootOf(activity.conversation.id) ?? activity.replyToId;
  return {
    request: {
      kind: 'button',
      actionId: value.data.action.verb,
      value: value.data.action.data?.value ?? '',
      ...(message === undefined ? {} : { message }),
      actor: actorOf(activity),
      conversation: conversationOf(
        activity,
        isChannelConversation(activity.conversation.id) ? root : undefined,
      ),
      requestId,
      receivedAt: receivedAt(activity, nowMs),
    },
    message,
    manual: (value.data.trigger ?? 'manual') === 'manual',
  };
}
