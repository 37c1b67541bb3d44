import type { MessageRef } from '../../handlers/chat-request.js';

/** A console channel id: `incidents`, `finops`, `dm`. Lower-case so `#Incidents` and `#incidents` are one. */
export const CONSOLE_CHANNEL_ID = /^[a-z0-9][a-z0-9_-]{0,79}$/;

/**
 * Console message ids are ours (`m42`: the store numbers messages and replies for every web process);
 * anything else in a request is not a console message.
 */
export const CONSOLE_MESSAGE_ID = /^m[0-9]{1,17}$/;

/**
 * A console person: a users-file name, an email a trusted proxy sends, the local OS user. Narrow on
 * purpose: it lands in cards, thread notes and the audit log, and a comma would let two joined header
 * values pass as one person.
 */
export const CONSOLE_USER = /^[A-Za-z0-9._@+-]{1,128}$/;

/**
 * The console's id for a channel name as routing writes it (`#incidents` → `incidents`), or undefined
 * when the name cannot be a console channel.
 */
export function consoleChannelId(name: string): string | undefined {
  const id = name.trim().replace(/^#/, '').toLowerCase();
  return CONSOLE_CHANNEL_ID.test(id) ? id : undefined;
}

/** A posted console message as the handlers see it; opaque outside this folder. */
export function consoleMessageRef(channelId: string, messageId: string): MessageRef {
  return { surface: 'console', channelId, messageId };
}

/** The channel and message of a ref; refuses refs from another surface. */
export function consoleTarget(ref: MessageRef): { channelId: string; messageId: string } {
  if (ref.surface !== 'console')
    throw new Error(`A ${ref.surface} message cannot be updated through the console`);
  return { channelId: consoleChannelId(ref.channelId) ?? ref.channelId, messageId: ref.messageId };
}
