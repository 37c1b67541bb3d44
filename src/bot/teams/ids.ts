import type { MessageRef } from '../../handlers/chat-request.js';

/**
 * Teams ids as the rest of dbxops sees them. A channel conversation id comes in two spellings: the
 * channel (`19:…@thread.tacv2`) and one reply chain in it (`19:…@thread.tacv2;messageid=<root id>`).
 * `MessageRef.channelId` always holds the channel spelling, so copies of a card compare equal whatever
 * activity told us about them.
 */

const THREAD_MARKER = ';messageid=';

/** The conversation without its `;messageid=` reply-chain suffix. */
export function baseConversationId(conversationId: string): string {
  const at = conversationId.indexOf(THREAD_MARKER);
  return at === -1 ? conversationId : conversationId.slice(0, at);
}

/** The root message id of a channel reply chain, when the conversation id names one. */
export function threadRootOf(conversationId: string): string | undefined {
  const at = conversationId.indexOf(THREAD_MARKER);
  return at === -1 ? undefined : conversationId.slice(at + THREAD_MARKER.length) || undefined;
}

/**
 * The conversation id that posts into the reply chain under `rootMessageId`. Only channels have reply
 * chains; in a 1:1 or group chat the message goes to the chat itself.
 */
export function threadConversationId(conversationId: string, rootMessageId: string): string {
  const base = baseConversationId(conversationId);
  return isChannelConversation(base) ? `${base}${THREAD_MARKER}${rootMessageId}` : base;
}

/** Channel conversations end in `@thread.tacv2` (or the older `@thread.skype`); chats do not. */
export function isChannelConversation(conversationId: string): boolean {
  return /@thread\.(tacv2|skype)$/.test(baseConversationId(conversationId));
}

/** A posted Teams message as the handlers see it: conversation + activity id, opaque outside this folder. */
export function teamsMessageRef(conversationId: string, activityId: string): MessageRef {
  return { surface: 'teams', channelId: baseConversationId(conversationId), messageId: activityId };
}

/** The conversation and activity id for a PUT; refuses refs from another surface. */
export function teamsTarget(ref: MessageRef): { conversationId: string; activityId: string } {
  if (ref.surface !== 'teams') throw new Error(`A ${ref.surface} message cannot be updated through Teams`);
  return { conversationId: ref.channelId, activityId: ref.messageId };
}

/**
 * Conversation, activity and user ids we accept from activities: printable ASCII without spaces. Teams
 * ids contain `:`, `@`, `;` and `=`; we percent-encode them into URL paths, so none can escape one.
 */
export const TEAMS_ID = /^[\x21-\x7e]{1,512}$/;
