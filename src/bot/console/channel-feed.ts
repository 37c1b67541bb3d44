/**
 * How the console's changes reach every process that streams them to pages: a notice per change (its
 * kind and message id, never its content), published by the process that made it.
 */
export interface ChannelFeed {
  /** Hands `payload` to every subscriber, in this process at once and in the others when they hear it. */
  publish(payload: string): void;
  /**
   * Calls `onPayload` for every notice and `onGap` when notices may have been missed (the connection to
   * the other processes was down), until the returned function is called.
   */
  subscribe(onPayload: (payload: string) => void, onGap: () => void): () => void;
}

/** The feed of a history no other process opens (the embedded store): this process' subscribers only. */
export function localChannelFeed(): ChannelFeed {
  const subscribers = new Set<(payload: string) => void>();
  return {
    publish(payload) {
      for (const subscriber of subscribers) subscriber(payload);
    },
    subscribe(onPayload) {
      subscribers.add(onPayload);
      return () => subscribers.delete(onPayload);
    },
  };
}
