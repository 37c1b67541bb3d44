import type { MessageRef } from '../../handlers/chat-request.js';

/** A posted Slack message as the handlers see it: `channel` + `ts`, opaque outside this folder. */
export function slackMessageRef(channel: string, ts: string): MessageRef {
  return { surface: 'slack', channelId: channel, messageId: ts };
}

/** The `channel` and `ts` for `chat.update` / `thread_ts`; refuses refs from another surface. */
export function slackTarget(ref: MessageRef): { channel: string; ts: string } {
  if (ref.surface !== 'slack') throw new Error(`A ${ref.surface} message cannot be updated through Slack`);
  return { channel: ref.channelId, ts: ref.messageId };
}
