import { baseConversationId } from './ids.js';
import type { Activity } from './translate.js';

/** What a proactive post needs to reach a conversation later (Bot Framework conversation reference). */
export interface ConversationRef {
  /** The channel spelling of `activity.conversation.id` (no `;messageid=`). */
  readonly conversationId: string;
  /** Regional and per tenant; the one that came with the latest activity from this conversation. */
  readonly serviceUrl: string;
  readonly tenantId: string | undefined;
  /** `28:<appId>` as the conversation knows the bot. */
  readonly botId: string;
  readonly conversationType: string | undefined;
}

/**
 * Where conversation references live. The in-memory default forgets them on restart; a proactive post to
 * a conversation it does not know then goes through the global service URL, which still routes.
 */
export interface ConversationReferenceStore {
  get(conversationId: string): ConversationRef | undefined;
  set(ref: ConversationRef): void;
}

/** A bounded in-memory store: the least recently written conversation goes first when full. */
export class MemoryConversationReferences implements ConversationReferenceStore {
  readonly #refs = new Map<string, ConversationRef>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  get(conversationId: string): ConversationRef | undefined {
    return this.#refs.get(baseConversationId(conversationId));
  }

  set(ref: ConversationRef): void {
    this.#refs.delete(ref.conversationId);
    if (this.#refs.size >= this.#capacity) {
      const oldest = this.#refs.keys().next().value;
      if (oldest !== undefined) this.#refs.delete(oldest);
    }
    this.#refs.set(ref.conversationId, ref);
  }
}

/** The reference an inbound activity carries. */
export function referenceOf(activity: Activity): ConversationRef {
  return {
    conversationId: baseConversationId(activity.conversation.id),
    serviceUrl: activity.serviceUrl,
    tenantId: activity.conversation.tenantId ?? activity.channelData?.tenant?.id,
    botId: activity.recipient.id,
    conversationType: activity.conversation.conversationType,
  };
}
