import { z } from 'zod';
import type { ChatRequest } from '../../handlers/chat-request.js';
import { MAX_BUTTON_VALUE_CHARS, MAX_COMMAND_CHARS } from '../../handlers/input-limits.js';
import type { ConsoleChannel } from './channel-log.js';
import { CONSOLE_CHANNEL_ID, CONSOLE_MESSAGE_ID } from './ids.js';

/**
 * Console page posts → platform-neutral `ChatRequest`s. The page is ours, but anything on the machine
 * can post to it, so every body is parsed strictly and refused whole when it does not fit.
 */

/** A per-click or per-send id the page makes with `crypto.randomUUID()`; a retry reuses it. */
const requestId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, { message: 'must be 8–64 letters, digits, _ or -' });
const channelId = z.string().regex(CONSOLE_CHANNEL_ID, { message: 'is not a console channel id' });

export const composerPostSchema = z
  .object({
    channelId,
    text: z.string().trim().min(1, { message: 'is empty' }).max(MAX_COMMAND_CHARS),
    requestId,
  })
  .strict();
export type ComposerPost = z.infer<typeof composerPostSchema>;

export const actionPostSchema = z
  .object({
    channelId,
    messageId: z.string().regex(CONSOLE_MESSAGE_ID, { message: 'is not a console message id' }),
    actionId: z.string().min(1).max(255),
    value: z.string().max(MAX_BUTTON_VALUE_CHARS),
    requestId,
  })
  .strict();
export type ActionPost = z.infer<typeof actionPostSchema>;

const COMMAND = /^\/dbx(?=\s|$)/i;

/** Composer text that starts with a slash but is not `/dbx`: the console knows no other commands. */
export function foreignSlashCommand(text: string): string | undefined {
  if (!text.startsWith('/') || COMMAND.test(text)) return undefined;
  return text.split(/\s/, 1)[0]?.slice(0, 40);
}

interface Origin {
  /** The authenticated person (never something the request body names). */
  readonly user: string;
  readonly email?: string | undefined;
  readonly channel: ConsoleChannel;
  readonly nowMs: number;
}

/**
 * The console person as a request's actor. Only the sign-in proxy names an e-mail (console-auth.ts),
 * and it authenticated the person, so that e-mail is theirs (docs/remediation-rights.md).
 */
export const consoleActor = (origin: Pick<Origin, 'user' | 'email'>): ChatRequest['actor'] => ({
  surface: 'console',
  userId: origin.user,
  displayName: origin.user,
  ...(origin.email === undefined ? {} : { email: origin.email, emailVerified: true }),
});

/** `/dbx <text>` → a command (text without `/dbx`); anything else → a question. */
export function composerRequest(post: ComposerPost, origin: Origin, threadId?: string): ChatRequest {
  const base = {
    actor: consoleActor(origin),
    conversation: {
      surface: 'console' as const,
      channelId: origin.channel.id,
      isDirect: origin.channel.kind === 'direct',
      ...(threadId === undefined ? {} : { threadId }),
    },
    requestId: post.requestId,
    receivedAt: origin.nowMs,
  };
  return COMMAND.test(post.text)
    ? { ...base, kind: 'command', text: post.text.replace(COMMAND, '').trim() }
    : { ...base, kind: 'question', text: post.text };
}

/** A card button → a button request naming the message it was on. */
export function buttonRequest(post: ActionPost, origin: Origin): ChatRequest {
  return {
    kind: 'button',
    actionId: post.actionId,
    value: post.value,
    message: { surface: 'console', channelId: origin.channel.id, messageId: post.messageId },
    actor: consoleActor(origin),
    conversation: {
      surface: 'console',
      channelId: origin.channel.id,
      threadId: post.messageId,
      isDirect: origin.channel.kind === 'direct',
    },
    requestId: post.requestId,
    receivedAt: origin.nowMs,
  };
}
