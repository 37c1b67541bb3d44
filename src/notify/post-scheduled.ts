import { randomUUID } from 'node:crypto';
import { deadlinesAround } from '../domain/zoned-time.js';
import {
  buildCostReport,
  buildDailyDigest,
  buildWeeklyDigest,
  type ReporterDeps,
} from '../agents/reporter/build-digest.js';
import { isMonday } from '../agents/reporter/report-period.js';
import type { DigestCardView } from '../cards/card-views.js';
import type { Logger } from '../config/logger.js';
import type { Policy } from '../config/policy.js';
import type { Clock } from '../domain/clock.js';
import type { ChatSurface } from '../handlers/chat-request.js';
import type { ScheduledPostKey, ScheduledPostRepository } from '../store/scheduled-post-repository.js';
import { surfaceChannel } from './channel-map.js';
import { type DigestLinks, digestCard, type LateNote } from './digest-card.js';

/** A post that recurs: the daily digest, the weekly summary, or one team's cost report. */
export interface Schedule {
  /** Stable across restarts: names the schedule's rows in `scheduled_posts`. */
  readonly key: string;
  readonly kind: 'daily' | 'weekly' | 'cost_report';
  /** The team of a cost report. */
  readonly team?: string;
  readonly channel: string;
  /** `HH:MM` in `timeZone`. */
  readonly at: string;
  readonly timeZone: string;
  /** With several workspaces, the one this post reports on; absent: the first. */
  readonly workspaceId?: string;
}

/**
 * Every scheduled post the policy asks for: the daily digest per `digest.channels` entry (or
 * `routing.digest_channel`), the weekly summary on Mondays to the same channels unless `digest.weekly`
 * is off, and a daily cost report per team that `routing.cost_channels` gives a channel. With several
 * workspaces (`moreWorkspaces`, the ones after the first), each posts its own, one card per workspace:
 * the first keeps the keys it always had, so a deployment that adds a workspace posts nothing twice.
 */
export function digestSchedules(policy: Policy, moreWorkspaces: readonly string[] = []): Schedule[] {
  const first = firstWorkspaceSchedules(policy);
  return [
    ...first,
    ...moreWorkspaces.flatMap((workspaceId) =>
      first.map((s) => ({ ...s, key: `${s.key}@${workspaceId}`, workspaceId })),
    ),
  ];
}

function firstWorkspaceSchedules(policy: Policy): Schedule[] {
  const d = policy.digest;
  const channels =
    d.channels.length > 0
      ? d.channels.map((c) => ({
          channel: c.channel,
          at: c.at ?? d.at,
          timeZone: c.timezone ?? policy.timezone,
        }))
      : [{ channel: policy.routing.digest_channel, at: d.at, timeZone: policy.timezone }];
  const out: Schedule[] = [];
  for (const c of channels) {
    out.push({ key: `daily:${c.channel}`, kind: 'daily', ...c });
    if (d.weekly) out.push({ key: `weekly:${c.channel}`, kind: 'weekly', ...c });
  }
  for (const [team, channel] of Object.entries(policy.routing.cost_channels)) {
    out.push({
      key: `cost:${team}:${channel}`,
      kind: 'cost_report',
      team,
      channel,
      at: d.at,
      timeZone: policy.timezone,
    });
  }
  return out;
}

export interface ScheduledPostDeps {
  readonly posts: ScheduledPostRepository;
  readonly surfaces: readonly ChatSurface[];
  readonly schedules: readonly Schedule[];
  /** `routing.channels`: what a schedule's channel is on each surface. */
  readonly policy: Pick<Policy, 'routing'>;
  /** The workspace's clock: when a post is due, and whether it went out late. */
  readonly clock: Clock;
  /** The wall clock: claims and when one is old enough to take over. */
  readonly wallClock: Clock;
  /** The card a schedule posts for the period due at `dueAt`, built as of then; `late` set when it is. */
  readonly build: (schedule: Schedule, dueAt: number, late: LateNote | null) => Promise<DigestCardView>;
  /**
   * Workspace time this process began watching. A schedule that has never posted starts with its first
   * time after this; one that has posted catches up every period it missed since.
   */
  readonly since: number;
  /** How long a claim may stay unsent before another process takes it over (default 5 min). */
  readonly claimTimeoutMs?: number;
  /** Workspace time after which a post counts as late and says so (default 15 min). */
  readonly lateAfterMs?: number;
  readonly logger?: Logger;
}

export interface ScheduledOutcome {
  posted: number;
  late: number;
  failures: { schedule: string; surface: string; error: string }[];
  /** Posts with no channel on a surface (a Teams channel without a conversation id): not claimed, not sent. */
  unrouted: { schedule: string; surface: string; reason: string }[];
}

const DAY_MS = 86_400_000;
/** Missed periods sent late at most, newest kept: a bot down for a month does not post 30 digests. */
const MAX_CATCH_UP = 7;
/** How far back missed periods are looked for (five weeks: enough Mondays for the weekly). */
const LOOK_BACK_MS = 35 * DAY_MS;
const DEFAULT_CLAIM_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_LATE_AFTER_MS = 15 * 60_000;
/** Real time a busy machine may hold a post back (a stalled event loop, a slow query) without it being late. */
const STALL_ALLOWANCE_MS = 10_000;

/**
 * `lateAfterMs` for a workspace clock running `speed` times the wall clock: 15 workspace minutes, or
 * the workspace time of a few real seconds when that is more. At 1200× a one-second stall is 20
 * simulated minutes, and "Sent late … (dbxops was not running at the time)" would be untrue.
 */
export function lateAfterAtSpeed(speed: number): number {
  return Math.max(DEFAULT_LATE_AFTER_MS, speed * STALL_ALLOWANCE_MS);
}

/** The times `schedule` was due in `(after, upTo]`, oldest first, at most `MAX_CATCH_UP` (the newest). */
export function dueTimes(schedule: Schedule, after: number, upTo: number): number[] {
  const out: number[] = [];
  let t = deadlinesAround(upTo, schedule.at, schedule.timeZone).previous;
  const floor = Math.max(after, upTo - LOOK_BACK_MS);
  while (t > floor && out.length < MAX_CATCH_UP) {
    if (t <= upTo && (schedule.kind !== 'weekly' || isMonday(t, schedule.timeZone))) out.push(t);
    t = deadlinesAround(t - 1, schedule.at, schedule.timeZone).previous;
  }
  return out.reverse();
}

/**
 * Posts every scheduled post that is due and not yet posted, on every surface, through the one
 * outbound path's rules: each (schedule, period, surface) is claimed in `scheduled_posts` before it is
 * built and sent, so several processes, or one restarted mid-send, post it once. A period the bot
 * missed (it was down at 07:00) is posted late and says so. Safe to call as often as wanted.
 */
export async function postDueDigests(deps: ScheduledPostDeps): Promise<ScheduledOutcome> {
  const outcome: ScheduledOutcome = { posted: 0, late: 0, failures: [], unrouted: [] };
  const now = deps.clock.now();
  for (const schedule of deps.schedules) {
    const cards = new Map<number, Promise<DigestCardView>>();
    // Surfaces side by side: one that is down (its send queue retrying for minutes) must not hold the
    // others' post back until it is late.
    await Promise.all(
      deps.surfaces.map(async (surface) => {
        // Reported once at start-up (`reportUnroutedChannels`); here only counted, as this runs every tick.
        const target = surfaceChannel(deps.policy, surface.surface, schedule.channel);
        if (!target.ok) {
          outcome.unrouted.push({ schedule: schedule.key, surface: surface.surface, reason: target.message });
          return;
        }
        const latest = await deps.posts.latestSettled(schedule.key, surface.surface);
        for (const dueAt of dueTimes(schedule, latest ?? deps.since, now)) {
          await postOne(deps, schedule, { surface, channelId: target.channelId }, dueAt, cards, outcome);
        }
      }),
    );
  }
  if (outcome.failures.length > 0)
    deps.logger?.warn({ failures: outcome.failures }, 'some scheduled posts failed; they are retried');
  return outcome;
}

async function postOne(
  deps: ScheduledPostDeps,
  schedule: Schedule,
  { surface, channelId }: { surface: ChatSurface; channelId: string },
  dueAt: number,
  cards: Map<number, Promise<DigestCardView>>,
  outcome: ScheduledOutcome,
): Promise<void> {
  const key: ScheduledPostKey = {
    scheduleKey: schedule.key,
    period: new Date(dueAt).toISOString(),
    surface: surface.surface,
  };
  const token = randomUUID();
  const wallNow = deps.wallClock.now();
  const timeout = deps.claimTimeoutMs ?? DEFAULT_CLAIM_TIMEOUT_MS;
  if (
    !(await deps.posts.claim(
      { ...key, channelId: schedule.channel, dueAt },
      token,
      wallNow,
      wallNow - timeout,
    ))
  )
    return;
  const sentAt = deps.clock.now();
  const late = sentAt - dueAt > (deps.lateAfterMs ?? DEFAULT_LATE_AFTER_MS) ? { dueAt, sentAt } : null;
  try {
    // One build per period for all surfaces: the same digest everywhere.
    let card = cards.get(dueAt);
    if (card === undefined) {
      card = deps.build(schedule, dueAt, late);
      cards.set(dueAt, card);
    }
    const view = await card;
    if (!(await deps.posts.sending(key, token, deps.wallClock.now()))) return;
    const ref = await surface.postCard({ channelId }, view);
    await deps.posts.posted(key, token, { messageId: ref.messageId, postedAt: sentAt, late: late !== null });
    outcome.posted++;
    if (late !== null) outcome.late++;
  } catch (error) {
    await deps.posts.release(key, token);
    outcome.failures.push({
      schedule: schedule.key,
      surface: surface.surface,
      error: (error instanceof Error ? error.message : String(error)).slice(0, 500),
    });
  }
}

/** What a schedule posts: its report built as of the time it was due, as a card. */
export function scheduledCard(reporter: ReporterDeps, links: DigestLinks): ScheduledPostDeps['build'] {
  return async (schedule, dueAt, late) => {
    const report =
      schedule.kind === 'daily'
        ? await buildDailyDigest(reporter, dueAt)
        : schedule.kind === 'weekly'
          ? await buildWeeklyDigest(reporter, dueAt)
          : await buildCostReport(reporter, dueAt, schedule.team ?? '');
    return digestCard(report, links, late);
  };
}
