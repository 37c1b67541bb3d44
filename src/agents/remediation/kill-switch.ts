import type { Clock } from '../../domain/clock.js';
import type { SurfaceName } from '../../domain/surface-name.js';
import { oneLine, utcMinute } from '../../domain/text.js';
import type { AuditLogRepository } from '../../store/audit-log-repository.js';
import type { RemediationSwitchRepository } from '../../store/remediation-switch-repository.js';

/** Where the kill switch lives and where flipping it is recorded. */
export interface KillSwitchDeps {
  readonly switches: RemediationSwitchRepository;
  readonly audit: Pick<AuditLogRepository, 'append'>;
  readonly wallClock: Clock;
}

/** Who flips it: a chat user, or someone at the command line (`cli`, with their OS user name). */
export type SwitchActor =
  | { readonly surface: SurfaceName; readonly userId: string; readonly displayName?: string | undefined }
  | { readonly surface: 'cli'; readonly userId: string };

/** The longest reason kept; longer ones are cut. */
const MAX_REASON = 500;

const actorName = (actor: SwitchActor): string => `${actor.surface}:${actor.userId}`.slice(0, 300);

/**
 * Turns the live kill switch on or off, in the store every dbxops process reads at each press and each
 * execution, and records the change in the audit log. Setting it to what it already is changes nothing
 * and records nothing. Answers a sentence for the person who flipped it.
 */
export async function setKillSwitch(
  deps: KillSwitchDeps,
  input: { readonly on: boolean; readonly actor: SwitchActor; readonly reason?: string | undefined },
): Promise<{ readonly changed: boolean; readonly message: string }> {
  const reason = input.reason === undefined ? undefined : oneLine(input.reason, MAX_REASON);
  const now = deps.wallClock.now();
  const by = actorName(input.actor);
  const changed = await deps.switches.setKillSwitch(input.on, by, reason || null, now);
  if (!changed)
    return {
      changed,
      message: `The kill switch was already ${input.on ? 'on' : 'off'}; nothing changed.`,
    };
  await deps.audit.append(
    {
      kind: 'kill_switch',
      who: {
        chat:
          input.actor.surface === 'cli'
            ? null
            : {
                surface: input.actor.surface,
                userId: input.actor.userId,
                ...('displayName' in input.actor && input.actor.displayName !== undefined
                  ? { displayName: input.actor.displayName }
                  : {}),
              },
        principal: input.actor.surface === 'cli' ? `cli:${input.actor.userId}` : null,
      },
      what: { action: 'kill_switch', summary: input.on ? 'kill switch on' : 'kill switch off' },
      where: { workspaceId: '*', resource: null },
      why: { incidentId: null },
      result: { outcome: input.on ? 'on' : 'off', message: reason || null },
    },
    now,
  );
  return {
    changed,
    message: input.on
      ? `Kill switch ON at ${utcMinute(now)}: every remediation press and every queued execution is refused until it is turned off.`
      : `Kill switch OFF at ${utcMinute(now)}: remediations run again inside the other guardrails.`,
  };
}

/** A sentence on where the live kill switch stands, for `status`. */
export async function describeKillSwitch(
  deps: Pick<KillSwitchDeps, 'switches'>,
  policyKillSwitch: boolean,
): Promise<string> {
  const live = await deps.switches.killSwitch();
  const file = policyKillSwitch
    ? ' remediation.kill_switch is true in dbxops.yaml, so nothing runs whatever this says.'
    : '';
  if (live === undefined) return `The kill switch is off (never turned on).${file}`;
  const why = live.reason === null ? '' : ` ("${live.reason}")`;
  return `The kill switch is ${live.on ? 'ON' : 'off'}: set by ${live.changedBy} at ${utcMinute(live.changedAt)}${why}.${file}`;
}
