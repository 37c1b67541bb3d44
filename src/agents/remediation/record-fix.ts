import { createHash } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import { err, ok, type Result } from '../../domain/result.js';
import type { SurfaceName } from '../../domain/surface-name.js';
import { oneLine } from '../../domain/text.js';
import type { AuditLogRepository } from '../../store/audit-log-repository.js';
import type {
  FixRecordOutcome,
  IncidentFix,
  IncidentFixRepository,
} from '../../store/incident-fix-repository.js';
import type { IncidentRepository } from '../../store/incident-repository.js';
import { REMEDIATION_INFO, type RemediationKind } from './remediation-kind.js';
import { suggestRemediations } from './suggest-remediations.js';

export interface RecordFixDeps {
  readonly incidents: IncidentRepository;
  readonly fixes: IncidentFixRepository;
  readonly audit: Pick<AuditLogRepository, 'append'>;
  /** The workspace clock: when the card says it was fixed. */
  readonly clock: Clock;
  /** The wall clock: the audit entry's time. */
  readonly wallClock: Clock;
}

export type RecordFixRefusal = 'not_found' | 'not_resolved' | 'too_long' | 'empty';

/**
 * Records what actually fixed a resolved incident: one of the actions its card suggested (named by kind
 * or label, any case) or the resolver's own words. The text is made one storable line; longer than
 * `maxChars` is refused, not cut, so nobody's sentence loses its end unseen. The same fix twice changes
 * nothing; a different one replaces it (a correction). Each change is a timeline entry (so every copy of
 * the card shows it) and an audit entry.
 */
export async function recordFix(
  deps: RecordFixDeps,
  input: {
    readonly incidentId: string;
    readonly fix: string;
    readonly by: { readonly surface: SurfaceName; readonly userId: string; readonly name: string };
    readonly maxChars: number;
  },
): Promise<Result<{ readonly outcome: FixRecordOutcome; readonly fix: IncidentFix }, RecordFixRefusal>> {
  if (input.fix.length > input.maxChars)
    return err(
      'too_long',
      `That is longer than ${input.maxChars} characters; say what fixed it in a sentence or two. Nothing was recorded.`,
    );
  const said = oneLine(input.fix, input.maxChars);
  if (said === '') return err('empty', 'Tell me what fixed it. Nothing was recorded.');
  const incident = await deps.incidents.get(input.incidentId);
  if (incident === undefined)
    return err('not_found', `Incident ${input.incidentId.slice(0, 128)} does not exist.`);
  if (incident.state !== 'resolved')
    return err(
      'not_resolved',
      `Incident ${incident.id} is not resolved yet. Resolve it first (/dbx resolve ${incident.id}), then record what fixed it.`,
    );
  const signals = await deps.incidents.listSignals(incident.id);
  const root = signals.find((s) => s.id === incident.rootCauseSignalId) ?? signals[0];
  const action = suggestedAction(suggestRemediations(root), said);
  const fix: IncidentFix = {
    incidentId: incident.id,
    workspaceId: incident.workspaceId,
    fingerprint: incident.fingerprint,
    action: action ?? null,
    text: action === undefined ? said : REMEDIATION_INFO[action].label,
    recordedBy: oneLine(input.by.name, 120),
    recordedAt: deps.clock.now(),
  };
  const outcome = await deps.fixes.record(fix);
  if (outcome === 'unchanged') return ok({ outcome, fix });
  const digest = createHash('sha256')
    .update(`${fix.action ?? ''}\u0000${fix.text}`)
    .digest('hex')
    .slice(0, 16);
  await deps.incidents.addTimelineEntry({
    incidentId: incident.id,
    at: fix.recordedAt,
    phase: 'CLOSE',
    summary: `Fixed by: ${fix.text} (recorded by ${fix.recordedBy}).`,
    actor: fix.recordedBy,
    data: { kind: 'fix_recorded', action: fix.action },
    dedupKey: `fix:${incident.id}:${digest}`,
  });
  await deps.audit.append(
    {
      kind: 'record_fix',
      who: {
        chat: { surface: input.by.surface, userId: input.by.userId, displayName: fix.recordedBy },
        principal: null,
      },
      what: { action: fix.action ?? 'free_text', summary: fix.text },
      where: { workspaceId: incident.workspaceId, resource: null },
      why: { incidentId: incident.id, classification: root?.classification?.category ?? null },
      result: { outcome, message: fix.text },
      details: { fingerprint: incident.fingerprint },
    },
    deps.wallClock.now(),
  );
  return ok({ outcome, fix });
}

/** The suggested action the words name, by kind (`repair`) or label (`Repair failed tasks`), any case. */
function suggestedAction(suggested: readonly RemediationKind[], said: string): RemediationKind | undefined {
  const wanted = said.trim().toLowerCase();
  return suggested.find((kind) => kind === wanted || REMEDIATION_INFO[kind].label.toLowerCase() === wanted);
}
