import type { Policy } from '../config/policy.js';
import type { Logger } from '../config/logger.js';
import type { Clock } from '../domain/clock.js';
import type { TimelineEntry } from '../domain/incident.js';
import { ESCALATION_ENTRY_KIND } from '../agents/triage/escalate-incident.js';
import type { IncidentCardView } from '../cards/card-views.js';
import type { CardPostRepository } from '../store/card-post-repository.js';
import type { IncidentRepository } from '../store/incident-repository.js';
import type { KnownIncident } from './chat-handler.js';
import type { ChatSurface } from './chat-request.js';
import { routeIncident } from './route-incident.js';

export interface NotifierDeps {
  incidents: IncidentRepository;
  cardPosts: CardPostRepository;
  /** Every chat surface that is configured: the console always, Slack and Teams when set up. */
  surfaces: readonly ChatSurface[];
  policy: Policy;
  clock: Clock;
  /** The card of an incident; `known` saves reading again what the notifier has just read. */
  loadCard: (incidentId: string, known?: KnownIncident) => Promise<IncidentCardView | undefined>;
  logger?: Logger;
}

export interface NotifyOutcome {
  /** New cards posted: each is a notification someone sees. */
  posted: number;
  /** Cards updated in place. */
  updated: number;
  notes: number;
  failures: { surface: string; channelId: string; error: string }[];
}

/**
 * Brings every copy of an incident's card up to date: the first time, posts it to the channels routing
 * picks (mentioning on-call when the level asks), on every surface; afterwards, updates each copy in
 * place and adds the new timeline entries to its thread. Safe to run again after a crash or on another
 * worker: copies already recorded are updated, never posted twice.
 */
export async function notifyIncident(deps: NotifierDeps, incidentId: string): Promise<NotifyOutcome> {
  const outcome: NotifyOutcome = { posted: 0, updated: 0, notes: 0, failures: [] };
  const incident = await deps.incidents.get(incidentId);
  if (!incident) return outcome;
  const posts = await deps.cardPosts.list(incidentId);
  // Nothing posted and a level that does not post (P4 by default): nothing to render either.
  if (posts.length === 0 && !deps.policy.triage[incident.severity].post_card) return outcome;
  const timeline = await deps.incidents.timeline(incidentId);
  const card = await deps.loadCard(incidentId, { incident, timeline });
  if (!card) return outcome;
  const latestEntry = timeline.reduce((max, e) => Math.max(max, e.at), 0);
  const route = routeIncident(incident, deps.policy);

  for (const surface of deps.surfaces) {
    const mine = posts.filter((p) => p.surface === surface.surface);
    // A level that does not post (P4 by default) waits in /dbx incidents and the digest; if the
    // incident rises to a posting level later, this same call posts it then.
    const postsCards = deps.policy.triage[incident.severity].post_card;
    const channels = mine.length > 0 || !postsCards ? [] : route.channels;
    for (const channelId of channels) {
      try {
        const ref = await surface.postCard({ channelId }, card);
        const recorded = await deps.cardPosts.record({
          incidentId,
          surface: surface.surface,
          channelId,
          messageId: ref.messageId,
          shownVersion: incident.version,
          notesThrough: latestEntry,
          postedAt: deps.clock.now(),
        });
        if (!recorded) continue;
        outcome.posted++;
        if (route.mention) {
          await surface.postThreadNote(ref, `${incident.severity}: ${incident.title}`, {
            mention: route.mention,
          });
          outcome.notes++;
        }
      } catch (error) {
        outcome.failures.push({ surface: surface.surface, channelId, error: describe(error) });
      }
    }
    for (const post of mine) {
      const ref = { surface: surface.surface, channelId: post.channelId, messageId: post.messageId };
      try {
        if (post.shownVersion < incident.version) {
          await surface.updateCard(ref, card);
          outcome.updated++;
        }
        const fresh = timeline.filter((e) => e.at > (post.notesThrough ?? 0) && e.actor === 'system');
        for (const entry of fresh.slice(-5)) {
          await surface.postThreadNote(
            ref,
            `${entry.phase}: ${entry.summary}`,
            noteOptions(entry, deps.policy),
          );
          outcome.notes++;
        }
        await deps.cardPosts.markShown(
          { incidentId, surface: surface.surface, channelId: post.channelId },
          incident.version,
          latestEntry,
        );
      } catch (error) {
        outcome.failures.push({
          surface: surface.surface,
          channelId: post.channelId,
          error: describe(error),
        });
      }
    }
  }
  if (outcome.failures.length > 0) {
    deps.logger?.warn(
      { incidentId, failures: outcome.failures },
      'some incident cards could not be delivered',
    );
  }
  return outcome;
}

/**
 * An escalation (nobody acknowledged in time) mentions on-call again, whatever the level's
 * `mention_oncall`: a level that did not page at first is exactly the one whose wait needs someone now.
 */
function noteOptions(entry: TimelineEntry, policy: Policy): { mention?: string } {
  const mention = policy.routing.oncall_mention;
  return entry.data.kind === ESCALATION_ENTRY_KIND && mention !== '' ? { mention } : {};
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500);
}
