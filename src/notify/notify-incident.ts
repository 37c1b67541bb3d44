import { randomUUID } from 'node:crypto';
import type { IncidentCardView } from '../cards/card-views.js';
import type { Logger } from '../config/logger.js';
import type { Policy } from '../config/policy.js';
import type { Clock } from '../domain/clock.js';
import { DeliveryDeferredError } from '../domain/errors.js';
import type { Incident } from '../domain/incident.js';
import type { ChatSurface, MessageRef } from '../handlers/chat-request.js';
import type { KnownIncident } from '../handlers/chat-handler.js';
import {
  type CardPost,
  type CardPostKey,
  type CardPostRepository,
  isPosted,
  type PostedCard,
} from '../store/card-post-repository.js';
import type { IncidentRepository, StoredTimelineEntry } from '../store/incident-repository.js';
import { surfaceChannel } from './channel-map.js';
import { routeIncident } from './route-incident.js';
import { ESCALATION_ENTRY_KIND } from '../agents/triage/escalate-incident.js';

export interface NotifierDeps {
  incidents: IncidentRepository;
  cardPosts: CardPostRepository;
  /** Every chat surface that is configured: the console always, Slack and Teams when set up. */
  surfaces: readonly ChatSurface[];
  policy: Policy;
  /** The workspace's clock: when a copy was posted, as cards tell it. */
  clock: Clock;
  /** The wall clock: when a claim was made and when it is old enough to take over. */
  wallClock: Clock;
  /** The card of an incident; `known` saves reading again what the notifier has just read. */
  loadCard: (incidentId: string, known?: KnownIncident) => Promise<IncidentCardView | undefined>;
  /** How long a claim may stay unposted before another process takes it over (default 60 s). */
  claimTimeoutMs?: number;
  logger?: Logger;
}

interface NotifyFailure {
  surface: string;
  channelId: string;
  error: string;
  /** Set when the platform only throttled or failed for a while: try this copy again after so long. */
  retryAfterMs?: number;
}

export interface NotifyOutcome {
  /** New cards posted: each is a notification someone sees. */
  posted: number;
  /** Cards updated in place. */
  updated: number;
  notes: number;
  /** Copies that could not be brought up to date; a later call retries exactly these. */
  failures: NotifyFailure[];
  /**
   * Copies that cannot be posted on a surface as the policy stands (a Teams channel without a
   * conversation id in `routing.channels`): not claimed, reported, posted once the policy maps them.
   */
  unrouted: { surface: string; channelId: string; reason: string }[];
  /**
   * Copies another process has claimed and is posting. When its claim is older than the claim timeout
   * the next call takes it over; until then there is nothing to do here. `retryAfterMs` says when.
   */
  pending: { count: number; retryAfterMs: number };
}

/** Passes over one incident: a pass that posted looks again, for changes made while it posted. */
const MAX_PASSES = 3;
/** Timeline entries a copy's thread gets at most per call; older ones stay on the card's timeline. */
const MAX_NOTES = 5;
const DEFAULT_CLAIM_TIMEOUT_MS = 60_000;

/**
 * The one outbound path for incident cards. Brings every copy of an incident's card, on every surface,
 * to the incident's current state: the first time, posts it to the channels routing picks (mentioning
 * on-call when triage says so); afterwards updates each copy in place and posts the timeline entries it
 * has not shown into its thread. `card_posts` is the only record of the copies: a copy is claimed there
 * before it is posted, so two processes never post it twice, and every process, also after a restart,
 * updates every copy. Safe to run again at any time; a surface that failed is retried by the next call.
 */
export async function notifyIncident(
  deps: NotifierDeps,
  incidentId: string,
  options: NotifyOptions = {},
): Promise<NotifyOutcome> {
  const outcome: NotifyOutcome = {
    posted: 0,
    updated: 0,
    notes: 0,
    failures: [],
    unrouted: [],
    pending: { count: 0, retryAfterMs: 0 },
  };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const postedBefore = outcome.posted;
    outcome.failures = [];
    outcome.pending = { count: 0, retryAfterMs: 0 };
    await notifyPass(deps, incidentId, outcome, pass === 0 ? options : {});
    if (outcome.posted === postedBefore) break;
  }
  if (outcome.unrouted.length > 0) {
    deps.logger?.warn(
      { incidentId, unrouted: outcome.unrouted },
      'some incident cards have no channel to go to on a surface; map the channels in routing.channels',
    );
  }
  if (outcome.failures.length > 0) {
    deps.logger?.warn(
      { incidentId, failures: outcome.failures },
      'some incident cards could not be delivered; they are retried',
    );
  }
  return outcome;
}

export interface NotifyOptions {
  /** Re-render this surface's copies even when they show the current version (see `restoreSurface`). */
  readonly rerender?: string;
}

/**
 * Brings a surface's copies of the open incidents' cards up to date (the console, at a web process'
 * start): each is re-rendered in place, or posted again, current, when the surface no longer holds it.
 * Returns the copies posted again.
 */
export async function restoreSurface(deps: NotifierDeps, surface: string): Promise<number> {
  let restored = 0;
  for (const incidentId of await deps.cardPosts.openIncidentsOn(surface)) {
    restored += (await notifyIncident(deps, incidentId, { rerender: surface })).posted;
  }
  return restored;
}

async function notifyPass(
  deps: NotifierDeps,
  incidentId: string,
  outcome: NotifyOutcome,
  options: NotifyOptions,
): Promise<void> {
  const incident = await deps.incidents.get(incidentId);
  if (!incident) return;
  const posts = await deps.cardPosts.list(incidentId);
  const postsCards = deps.policy.triage[incident.severity].post_card;
  // Nothing posted and a level that does not post (P4 by default): nothing to render either.
  if (posts.length === 0 && !postsCards) return;
  const timeline = await deps.incidents.timeline(incidentId);
  const card = await deps.loadCard(incidentId, { incident, timeline });
  if (!card) return;
  const pass: Pass = {
    deps,
    incident,
    card,
    timeline,
    latestSeq: timeline.reduce<number | null>((max, e) => Math.max(max ?? 0, e.seq), null),
    route: routeIncident(incident, deps.policy),
    outcome,
  };
  // Surfaces side by side: one that is slow or throttled does not hold the others back.
  await Promise.all(
    deps.surfaces.map(async (surface) => {
      const mine = posts.filter((p) => p.surface === surface.surface);
      // A level that does not post (P4 by default) waits in /dbx incidents and the digest; if the
      // incident rises to a posting level later, this same call posts it then.
      const channels = mine.length > 0 || !postsCards ? [] : pass.route.channels;
      for (const channelId of channels) {
        const target = surfaceChannel(deps.policy, surface.surface, channelId);
        if (!target.ok) {
          // Once per call, whichever pass found it.
          if (!outcome.unrouted.some((u) => u.surface === surface.surface && u.channelId === channelId))
            outcome.unrouted.push({ surface: surface.surface, channelId, reason: target.message });
          continue;
        }
        await postCopy(pass, surface, { incidentId, surface: surface.surface, channelId });
      }
      for (const post of mine) {
        const stale = options.rerender === surface.surface ? { ...post, shownVersion: 0 } : post;
        if (isPosted(stale)) await updateCopy(pass, surface, stale);
        else await postClaimed(pass, surface, post);
      }
    }),
  );
}

interface Pass {
  readonly deps: NotifierDeps;
  readonly incident: Incident;
  readonly card: IncidentCardView;
  readonly timeline: readonly StoredTimelineEntry[];
  readonly latestSeq: number | null;
  readonly route: ReturnType<typeof routeIncident>;
  readonly outcome: NotifyOutcome;
}

/** A copy no process has posted yet: claim it, then post it. */
async function postCopy(pass: Pass, surface: ChatSurface, key: CardPostKey): Promise<void> {
  const now = pass.deps.wallClock.now();
  const token = randomUUID();
  if (await pass.deps.cardPosts.claim(key, token, now, now - claimTimeout(pass.deps))) {
    await postClaimedCopy(pass, surface, key, token, { mention: true });
  } else {
    // Claimed a moment ago by another process (or posted since this pass read the copies).
    notePending(pass, now);
  }
}

/** A copy claimed by someone else and not posted yet: take it over once the claim is old. */
async function postClaimed(pass: Pass, surface: ChatSurface, post: CardPost): Promise<void> {
  const now = pass.deps.wallClock.now();
  const token = randomUUID();
  if (await pass.deps.cardPosts.claim(post, token, now, now - claimTimeout(pass.deps))) {
    await postClaimedCopy(pass, surface, post, token, { mention: true });
  } else {
    notePending(pass, post.claimedAt ?? now);
  }
}

function notePending(pass: Pass, claimedAt: number): void {
  const pending = pass.outcome.pending;
  const staleIn = Math.max(1_000, claimedAt + claimTimeout(pass.deps) - pass.deps.wallClock.now());
  pending.count++;
  pending.retryAfterMs = Math.max(pending.retryAfterMs, staleIn);
}

/** Posts a copy this call holds the claim of, and records the message it became. */
async function postClaimedCopy(
  pass: Pass,
  surface: ChatSurface,
  key: CardPostKey,
  token: string,
  options: { mention: boolean },
): Promise<void> {
  const { deps, incident, outcome } = pass;
  let ref: MessageRef;
  try {
    const target = surfaceChannel(deps.policy, surface.surface, key.channelId);
    // The policy lost the mapping since the copy was claimed: given back below, reported as a failure.
    if (!target.ok) throw new Error(target.message);
    ref = await surface.postCard({ channelId: target.channelId }, pass.card);
  } catch (error) {
    // Given back at once, so the retry (here or in another process) posts without waiting out the claim.
    await deps.cardPosts.release(key, token);
    outcome.failures.push(failure(key, error));
    return;
  }
  const recorded = await deps.cardPosts.complete(key, token, {
    messageId: ref.messageId,
    messageChannelId: ref.channelId,
    shownVersion: incident.version,
    notesThroughSeq: pass.latestSeq,
    postedAt: deps.clock.now(),
  });
  if (!recorded) {
    // This process took longer than the claim timeout and another one took the copy over.
    deps.logger?.warn({ ...key, messageId: ref.messageId }, 'a card was posted after its claim expired');
    return;
  }
  outcome.posted++;
  const mention = pass.route.mention;
  if (!options.mention || mention === null) return;
  try {
    await surface.postThreadNote(ref, `${incident.severity}: ${incident.title}`, { mention });
    outcome.notes++;
  } catch (error) {
    outcome.failures.push(failure(key, error));
  }
}

/** A posted copy: re-render it when it shows an older version, then note new timeline entries under it. */
async function updateCopy(pass: Pass, surface: ChatSurface, post: PostedCard): Promise<void> {
  const { deps, incident, outcome } = pass;
  const ref: MessageRef = {
    surface: surface.surface,
    channelId: post.messageChannelId,
    messageId: post.messageId,
  };
  try {
    if (post.shownVersion < incident.version) {
      if ((await surface.updateCard(ref, pass.card)) === 'gone') return await repost(pass, surface, post);
      await deps.cardPosts.markShown(post, incident.version);
      outcome.updated++;
    }
  } catch (error) {
    outcome.failures.push(failure(post, error));
    return;
  }
  const fresh = pass.timeline.filter((e) => e.seq > (post.notesThroughSeq ?? 0));
  if (fresh.length === 0) return;
  // The mark moves first, so two processes never post the same notes; a failed post moves it back.
  if (!(await deps.cardPosts.advanceNotes(post, post.notesThroughSeq, pass.latestSeq))) return;
  try {
    for (const entry of fresh.slice(-MAX_NOTES)) {
      await surface.postThreadNote(ref, entry.summary, noteOptions(entry, deps.policy));
      outcome.notes++;
    }
  } catch (error) {
    await deps.cardPosts.advanceNotes(post, pass.latestSeq, post.notesThroughSeq);
    outcome.failures.push(failure(post, error));
  }
}

/**
 * The surface no longer holds the copy (it scrolled out of the console's bounded history, or an earlier
 * dbxops kept that history in memory): a fresh copy takes its place, claimed first so two processes that both found it gone post one.
 */
async function repost(pass: Pass, surface: ChatSurface, post: PostedCard): Promise<void> {
  const token = randomUUID();
  const now = pass.deps.wallClock.now();
  if (!(await pass.deps.cardPosts.reclaim(post, post.messageId, token, now))) return notePending(pass, now);
  await postClaimedCopy(pass, surface, post, token, { mention: false });
}

function claimTimeout(deps: NotifierDeps): number {
  return deps.claimTimeoutMs ?? DEFAULT_CLAIM_TIMEOUT_MS;
}

function failure(key: CardPostKey, error: unknown): NotifyFailure {
  const text = error instanceof Error ? error.message : String(error);
  return {
    surface: key.surface,
    channelId: key.channelId,
    error: text.slice(0, 500),
    ...(error instanceof DeliveryDeferredError ? { retryAfterMs: error.retryAfterMs } : {}),
  };
}

/**
 * An escalation (nobody acknowledged in time) mentions on-call again, whatever the level's
 * `mention_oncall`: a level that did not page at first is exactly the one whose wait needs someone now.
 */
function noteOptions(entry: StoredTimelineEntry, policy: Policy): { mention?: string } {
  const mention = policy.routing.oncall_mention;
  return entry.data.kind === ESCALATION_ENTRY_KIND && mention !== '' ? { mention } : {};
}
