import type { Policy } from '../config/policy.js';
import type { SurfaceName } from '../domain/surface-name.js';

/** Where a post for a policy channel goes on one surface, or why it cannot go there. */
export type SurfaceChannel =
  | { readonly ok: true; readonly channelId: string }
  | { readonly ok: false; readonly reason: 'no_teams_conversation'; readonly message: string };

/** A Teams conversation id (`19:…@thread.tacv2`, `a:…`), as opposed to a channel name. */
const TEAMS_CONVERSATION = /^[0-9a-z]{1,3}:\S+$/i;

/**
 * The id a surface posts to for `channel`, a channel as routing and the digest name it (`#digest`):
 * its `routing.channels` entry for that surface when there is one; otherwise the name itself for the
 * console and Slack (Slack resolves a name for messages), and for Teams only when it already is a
 * conversation id — a Teams name alone reaches no conversation.
 */
export function surfaceChannel(
  policy: Pick<Policy, 'routing'>,
  surface: SurfaceName,
  channel: string,
): SurfaceChannel {
  const mapped = policy.routing.channels[channel];
  if (surface === 'teams') {
    if (mapped?.teams !== undefined) return { ok: true, channelId: mapped.teams };
    if (TEAMS_CONVERSATION.test(channel)) return { ok: true, channelId: channel };
    return {
      ok: false,
      reason: 'no_teams_conversation',
      message: `${channel} has no Teams conversation: set routing.channels['${channel}'].teams in dbxops.yaml to its conversation id (19:…@thread.tacv2) for Teams to get its posts.`,
    };
  }
  if (surface === 'slack' && mapped?.slack !== undefined) return { ok: true, channelId: mapped.slack };
  return { ok: true, channelId: channel };
}

/** Every channel the policy posts to: routing rules, triage levels, the default, the digest and cost reports. */
function policyChannels(policy: Pick<Policy, 'routing' | 'triage' | 'digest'>): string[] {
  const r = policy.routing;
  return [
    ...new Set([
      r.default_channel,
      ...r.rules.map((rule) => rule.channel),
      ...Object.values(policy.triage).flatMap((level) => level.channels),
      ...(policy.digest.channels.length > 0
        ? policy.digest.channels.map((c) => c.channel)
        : [r.digest_channel]),
      ...Object.values(r.cost_channels),
    ]),
  ].sort();
}

/** Each policy channel that a configured surface cannot post to, with why: reported at start-up. */
export function unroutedChannels(
  policy: Pick<Policy, 'routing' | 'triage' | 'digest'>,
  surfaces: readonly SurfaceName[],
): { surface: SurfaceName; channel: string; message: string }[] {
  return surfaces.flatMap((surface) =>
    policyChannels(policy).flatMap((channel) => {
      const target = surfaceChannel(policy, surface, channel);
      return target.ok ? [] : [{ surface, channel, message: target.message }];
    }),
  );
}
