import type { Logger } from 'pino';
import { type CardView, cardViewSchema } from '../../cards/card-views.js';
import { renderCardHtml } from '../../cards/html-cards.js';
import type { ChatResponse } from '../../handlers/chat-request.js';
import { BOT_AUTHOR, type ChannelLog, type StoredMessage } from './channel-log.js';

/** A reply only the requester sees, shown in the page and never stored. */
export interface EphemeralJson {
  readonly html: string;
}

/** What `POST /api/messages` and `POST /api/actions` answer. */
export type ConsoleOutcome =
  | { readonly ok: true; readonly ephemeral: readonly EphemeralJson[] }
  | { readonly ok: false; readonly reason: string; readonly ephemeral: readonly EphemeralJson[] };

/** The same response for a program: the texts of its replies, or of its refusal. */
export type TextOutcome =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: string; readonly text: string };

/** The plain text of a handler's response: every message reply's text, or the refusal's words. */
export function responseText(response: ChatResponse): TextOutcome {
  if (!response.ok) return { ok: false, reason: response.reason, text: response.userMessage };
  const texts = response.replies.flatMap((r) =>
    r.card.kind === 'message' && typeof r.card.text === 'string' ? [r.card.text] : [],
  );
  return { ok: true, text: texts.join('\n') };
}

export interface RespondDeps {
  readonly log: ChannelLog;
  readonly logger: Logger;
  readonly nowMs: number;
}

/** Where the request came from: its channel, and the message a thread reply goes under. */
export interface ResponseOrigin {
  readonly channelId: string;
  readonly threadParent?: StoredMessage | undefined;
}

const TONE: Record<Extract<ChatResponse, { ok: false }>['reason'], 'info' | 'warning' | 'error'> = {
  unknown_command: 'warning',
  not_found: 'warning',
  forbidden: 'error',
  stale_card: 'warning',
  invalid_request: 'warning',
  duplicate: 'info',
  unavailable: 'error',
};

/** A plain message card, rendered for the requester only. */
export function ephemeralText(
  text: string,
  tone: 'info' | 'warning' | 'error',
  nowMs: number,
): EphemeralJson {
  return { html: renderCardHtml({ kind: 'message', tone, title: null, text, fields: [] }, nowMs) };
}

/**
 * Carries out a handler's response in the console: requester replies come back to the page (ephemeral),
 * conversation replies are posted (in the thread when asked). Incident cards and their thread notes are
 * the notifier's: it updates the console's copies as it does Slack's and Teams'.
 */
export async function applyResponse(
  deps: RespondDeps,
  response: ChatResponse,
  origin: ResponseOrigin,
): Promise<ConsoleOutcome> {
  if (!response.ok) {
    return {
      ok: false,
      reason: response.reason,
      ephemeral: [ephemeralText(response.userMessage, TONE[response.reason], deps.nowMs)],
    };
  }
  const ephemeral: EphemeralJson[] = [];
  for (const reply of response.replies) {
    const card = parseCard(deps, reply.card);
    if (card === undefined) continue;
    if (reply.audience === 'requester') {
      ephemeral.push({ html: renderCardHtml(card, deps.nowMs) });
      continue;
    }
    const body = { kind: 'card', view: card } as const;
    // A thread whose message scrolled out of the history meanwhile: the reply goes to the channel.
    const threaded =
      reply.inThread === true && origin.threadParent !== undefined
        ? await deps.log.reply(origin.threadParent, BOT_AUTHOR, body)
        : undefined;
    if (threaded === undefined) await deps.log.post(origin.channelId, BOT_AUTHOR, body);
  }
  return { ok: true, ephemeral };
}

/** Handler replies carry card inputs (defaults left out); a card that does not parse is a handler bug. */
function parseCard(deps: RespondDeps, input: unknown): CardView | undefined {
  const parsed = cardViewSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  deps.logger.error(
    { issues: parsed.error.issues.slice(0, 5) },
    'handler returned a card that does not fit its schema',
  );
  return undefined;
}
