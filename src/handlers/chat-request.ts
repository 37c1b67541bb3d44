import type { CardView, CardViewInput } from '../cards/card-views.js';

/**
 * The platform-neutral request and response every chat surface speaks. Adapters in `src/bot/<surface>/`
 * translate Slack payloads, Teams activities and console posts into a `ChatRequest`, call the handler,
 * and turn the `ChatResponse`'s replies back into platform calls. What a request changes about an
 * incident is not theirs to carry out: the handler hands it to the notifier (`src/notify/`), which
 * updates every copy of the card on every surface. Nothing here names a Slack `ts` or a Teams
 * activity id: those stay opaque strings inside `MessageRef`.
 */
type Surface = 'slack' | 'teams' | 'console';

/** The person behind a request, as the surface identifies them. */
export interface Actor {
  surface: Surface;
  /** Slack user id (`U…`), Teams AAD object id, console user name. */
  userId: string;
  displayName?: string;
  email?: string;
  /**
   * True only when the platform vouches that `email` is this person's: Slack `is_email_confirmed`, a
   * Teams member's Entra ID mail or UPN, the console's sign-in proxy. Only then may it name the
   * Databricks user whose rights a remediation runs under (docs/remediation-rights.md).
   */
  emailVerified?: boolean;
}

/** Where a request came from and where channel replies go. Ids are the platform's, opaque here. */
interface Conversation {
  surface: Surface;
  channelId: string;
  /** Thread root (Slack `thread_ts`, Teams reply chain id) when the request came from a thread. */
  threadId?: string;
  /** A direct message with the bot. */
  isDirect?: boolean;
}

/** A message the bot posted, so it can be updated in place. */
export interface MessageRef {
  surface: Surface;
  channelId: string;
  messageId: string;
}

interface RequestBase {
  actor: Actor;
  conversation: Conversation;
  /**
   * Unique per delivery attempt group: Slack `trigger_id`/`event_id`, Teams activity `id`. A request
   * seen twice (a retry, a double click) carries the same id and must have one effect.
   */
  requestId: string;
  /** When the platform says the request happened (epoch ms). */
  receivedAt: number;
}

export type ChatRequest =
  /** `/dbx <text>` in Slack, `dbx <text>` to the bot in Teams, the console composer. `text` excludes `/dbx`. */
  | (RequestBase & { kind: 'command'; text: string })
  /** A mention, DM or console message that is not a command: a question in plain language. */
  | (RequestBase & { kind: 'question'; text: string })
  /** A card button: `actionId` like `dbx:ack`, `value` the encoded button value (`src/cards/button-value.ts`). */
  | (RequestBase & { kind: 'button'; actionId: string; value: string; message?: MessageRef })
  /** Slack's Home tab opened, or the console's home page. */
  | (RequestBase & { kind: 'home' });

/** Who sees a reply. */
type Audience =
  /** Only the person who asked (Slack ephemeral, Teams reply in 1:1, console DM). */
  | 'requester'
  /** The conversation the request came from (in its thread when `thread` is set). */
  | 'conversation';

export interface Reply {
  audience: Audience;
  card: CardViewInput;
  /** Post into the thread of the request's message (timeline entries, answers in threads). */
  inThread?: boolean;
}

export type ChatResponse =
  | { ok: true; replies: Reply[] }
  | {
      ok: false;
      reason:
        | 'unknown_command'
        | 'not_found'
        | 'forbidden'
        | 'stale_card'
        | 'invalid_request'
        | 'duplicate'
        | 'unavailable';
      /** Shown to the requester only. */
      userMessage: string;
    };

/** One place that answers every chat request. */
export type ChatHandler = (request: ChatRequest) => Promise<ChatResponse>;

/**
 * What each surface adapter implements so the notifier (the one outbound path, `src/notify/`) can post
 * and update cards and note in their threads without knowing the platform (kysely-style: one interface, one folder per surface with the same files).
 */
export interface ChatSurface {
  readonly surface: Surface;
  /** Posts a card to a channel (or a thread). Resolves once the platform accepted it. */
  postCard(target: { channelId: string; threadOf?: MessageRef }, card: CardView): Promise<MessageRef>;
  /**
   * Replaces a posted card in place. `gone` when the surface no longer holds the message (the console's
   * history is in memory and starts empty after a restart): the notifier then posts a fresh copy.
   */
  updateCard(ref: MessageRef, card: CardView): Promise<'updated' | 'gone'>;
  /**
   * Posts plain text into a card's thread. `mention` (the policy's on-call group, in the platform's own
   * syntax, e.g. Slack's `<!subteam^S0123|oncall>`) is trusted configuration: a surface that can ping
   * renders it as a mention; the text itself never pings anyone.
   */
  postThreadNote(ref: MessageRef, text: string, options?: { mention?: string }): Promise<MessageRef>;
  close(): Promise<void>;
}
