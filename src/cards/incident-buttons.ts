import { actionIdFor, type ButtonPayload, encodeButtonValue } from './button-value.js';
import type { IncidentCardView, IncidentState, PlanCardView } from './card-views.js';

/** A button as every surface needs it; renderers only translate the shape. */
export interface CardButton {
  readonly label: string;
  readonly style: 'primary' | 'danger' | 'default';
  /** Slack `action_id`, Teams `verb`, console `data-action-id`. */
  readonly actionId: string;
  /** The encoded payload (see `button-value.ts`). */
  readonly value: string;
  readonly payload: ButtonPayload;
}

type StandardAction = 'ack' | 'assign_me' | 'snooze' | 'resolve' | 'reopen';

/** How long the Snooze button snoozes; the handler must use this so the label stays true. */
const SNOOZE_MS = 60 * 60_000;

const LABEL: Record<StandardAction, string> = {
  ack: 'Acknowledge',
  assign_me: 'Assign to me',
  snooze: `Snooze ${SNOOZE_MS / 3_600_000} h`,
  resolve: 'Resolve',
  reopen: 'Reopen',
};

/**
 * Which buttons each state offers. An acknowledged incident no longer asks to be acknowledged (the
 * card says who did); a resolved one only offers Reopen; while a remediation runs (mitigating) no
 * second remediation is offered, so two fixes never race.
 */
const BY_STATE: Record<IncidentState, { standard: readonly StandardAction[]; remediations: boolean }> = {
  open: { standard: ['ack', 'assign_me', 'snooze', 'resolve'], remediations: true },
  escalated: { standard: ['ack', 'assign_me', 'snooze', 'resolve'], remediations: true },
  acknowledged: { standard: ['assign_me', 'snooze', 'resolve'], remediations: true },
  snoozed: { standard: ['ack', 'assign_me', 'resolve'], remediations: true },
  mitigating: { standard: ['assign_me', 'resolve'], remediations: false },
  resolved: { standard: ['reopen'], remediations: false },
};

function button(label: string, style: CardButton['style'], payload: ButtonPayload): CardButton {
  return { label, style, actionId: actionIdFor(payload), value: encodeButtonValue(payload), payload };
}

/** The incident's buttons for its current state: the standard row and one per suggested remediation. */
export function incidentButtons(view: IncidentCardView): {
  standard: readonly CardButton[];
  remediations: readonly CardButton[];
} {
  const rule = BY_STATE[view.state];
  const base = { kind: 'incident', incidentId: view.incidentId, version: view.version } as const;
  const standard = rule.standard.map((action) =>
    button(LABEL[action], action === 'ack' || action === 'reopen' ? 'primary' : 'default', {
      ...base,
      action,
    }),
  );
  const remediations = rule.remediations
    ? view.remediations.map((r) =>
        button(`Plan: ${r.label}`, r.risk === 'high' ? 'danger' : 'default', {
          ...base,
          action: 'remediate',
          remediationId: r.id,
        }),
      )
    : [];
  return { standard, remediations };
}

/**
 * Run and Cancel while a plan is proposed; nothing once it was cancelled. Run executes exactly this plan
 * (re-drawn and re-checked when pressed); a high-risk plan's Run is styled as dangerous.
 */
export function planButtons(view: PlanCardView): readonly CardButton[] {
  const base = {
    kind: 'plan',
    incidentId: view.incidentId,
    version: view.version,
    remediationId: view.remediationId,
  } as const;
  // A gated plan: a second person approves it with the request's single-use token.
  if (view.status === 'awaiting_approval' && view.approvalToken !== undefined)
    return [button('Approve', 'primary', { ...base, action: 'approve_plan', token: view.approvalToken })];
  if (view.status !== 'proposed') return [];
  return [
    button('Run', view.risk === 'high' ? 'danger' : 'primary', { ...base, action: 'run_plan' }),
    button('Cancel', 'default', { ...base, action: 'cancel_plan' }),
  ];
}

/** The payload of the Teams `refresh` action and the console's poll: "show me the current card". */
export function refreshPayload(view: IncidentCardView | PlanCardView): ButtonPayload {
  return {
    kind: view.kind,
    action: 'refresh',
    incidentId: view.incidentId,
    version: view.version,
    ...(view.kind === 'plan' ? { remediationId: view.remediationId } : {}),
  };
}
