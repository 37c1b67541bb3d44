import { pino } from 'pino';
import type { Policy } from '../../src/config/policy.js';
import type { Clock } from '../../src/domain/clock.js';
import { loadIncidentCard } from '../../src/handlers/chat-handler.js';
import type { ChatSurface, MessageRef } from '../../src/handlers/chat-request.js';
import { type NotifierDeps, type NotifyOutcome, notifyIncident } from '../../src/notify/notify-incident.js';
import { isPosted } from '../../src/store/card-post-repository.js';
import type { Repositories } from '../../src/store/repositories.js';

export interface TestNotifier {
  /** What a handler hands over: runs the notifier at once (the app puts the notify queue in between). */
  notify(incidentId: string): Promise<void>;
  /** Runs the notifier and says what it did. */
  run(incidentId: string): Promise<NotifyOutcome>;
  /** Posts an incident's card through the notifier and returns its copies, as the platforms answered. */
  post(incidentId: string): Promise<MessageRef[]>;
}

/**
 * The real notifier over a store and the surfaces an adapter test builds, for tests that drive one
 * adapter without the whole app. `surfaces` is read on each call: adapters are often built after the
 * handler that needs `notify`.
 */
export function testNotifier(options: {
  repos: Pick<Repositories, 'incidents' | 'cardPosts'>;
  surfaces: () => readonly ChatSurface[];
  policy: Policy;
  clock: Clock;
  wallClock: Clock;
}): TestNotifier {
  const { repos, policy, clock } = options;
  const deps = (): NotifierDeps => ({
    incidents: repos.incidents,
    cardPosts: repos.cardPosts,
    surfaces: options.surfaces(),
    policy,
    clock,
    wallClock: options.wallClock,
    loadCard: (id, known) => loadIncidentCard({ incidents: repos.incidents, clock, policy }, id, known),
    logger: pino({ level: 'silent' }),
  });
  const run = (incidentId: string) => notifyIncident(deps(), incidentId);
  return {
    run,
    async notify(incidentId) {
      await run(incidentId);
    },
    async post(incidentId) {
      await run(incidentId);
      return (await repos.cardPosts.list(incidentId)).filter(isPosted).map((p) => ({
        surface: p.surface as MessageRef['surface'],
        channelId: p.messageChannelId,
        messageId: p.messageId,
      }));
    },
  };
}
