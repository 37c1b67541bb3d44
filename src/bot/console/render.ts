import { renderCardHtml } from '../../cards/html-cards.js';
import { escapeHtml } from '../../cards/html-escape.js';
import type { MessageBody, StoredMessage, StoredReply } from './channel-log.js';

/** A reply as the page receives it. `html` is ours: card renderers and `bodyHtml` escape every value. */
export interface ReplyJson {
  readonly id: string;
  readonly at: number;
  readonly author: string;
  readonly html: string;
}

/** A message as the page receives it, thread included. */
export interface MessageJson extends ReplyJson {
  readonly channelId: string;
  readonly replies: readonly ReplyJson[];
  readonly repliesDropped: number;
}

/** Console HTML for a body; cards are rendered at `nowMs` so an SLA countdown is current when shown. */
function bodyHtml(body: MessageBody, nowMs: number): string {
  return body.kind === 'card'
    ? renderCardHtml(body.view, nowMs)
    : `<p class="dbx-text">${escapeHtml(body.text)}</p>`;
}

export function replyJson(reply: StoredReply, nowMs: number): ReplyJson {
  return { id: reply.id, at: reply.at, author: reply.author, html: bodyHtml(reply.body, nowMs) };
}

export function messageJson(message: StoredMessage, nowMs: number): MessageJson {
  return {
    id: message.id,
    channelId: message.channelId,
    at: message.at,
    author: message.author,
    html: bodyHtml(message.body, nowMs),
    replies: message.replies.map((r) => replyJson(r, nowMs)),
    repliesDropped: message.repliesDropped,
  };
}
