import type { SurfaceName } from '../../domain/surface-name.js';
import type { RemediationPlan } from './plan-remediation.js';
import type { RemediationKind } from './remediation-kind.js';

/** The person who pressed, as their chat surface names them (mapped to a workspace principal by a gate). */
export interface Presser {
  readonly surface: SurfaceName;
  readonly userId: string;
  readonly displayName?: string | undefined;
  readonly email?: string | undefined;
  /** True only when the platform vouches for `email` (see docs/remediation-rights.md). */
  readonly emailVerified?: boolean | undefined;
  /**
   * dbxops pressed on its own (auto-heal, `auto-heal.ts`); only dbxops's own code sets it, never a chat
   * request. Such a press is judged by `remediation.auto_heal`, not by a person's roles and rights.
   */
  readonly autoHeal?: true | undefined;
}

/** Who auto-heal is in the audit log, on the timeline and on cards. */
export const AUTO_HEAL_ACTOR = 'dbxops auto-heal';

/**
 * The presser of an auto-heal. The surface is only there to fit the shape: the audit log records it as
 * no chat user at all (`who.chat: null`), and the gates branch on `autoHeal`.
 */
export const AUTO_HEAL_PRESSER: Presser = {
  surface: 'console',
  userId: AUTO_HEAL_ACTOR,
  displayName: AUTO_HEAL_ACTOR,
  autoHeal: true,
};

interface GateInput {
  readonly incidentId: string;
  readonly workspaceId: string;
  readonly action: RemediationKind;
  readonly plan: RemediationPlan;
  readonly presser: Presser;
  /** `press`: the button was pressed (refuse early, with a reason); `execute`: the calls are about to go out. */
  readonly phase: 'press' | 'execute';
  /** A second person approved this plan (four eyes): a gate that asks for approval lets it pass. */
  readonly approved?: boolean | undefined;
}

type GateDecision =
  | { readonly ok: true }
  /**
   * `gate` names the check that refused; `userMessage` says why and what would allow it. With
   * `approvalTtlMs`, a second person's approval allows it: an approval request lives that long.
   */
  | {
      readonly ok: false;
      readonly gate: string;
      readonly userMessage: string;
      readonly approvalTtlMs?: number;
    };

/**
 * A check that runs before a remediation executes: guardrails (allowed actions, limits, blackout
 * windows, kill switch), the presser's own Databricks rights, approvals. Each runs at press time and
 * again at the moment of execution, so a permission revoked or a window opened in between counts.
 */
export type RemediationGate = (input: GateInput) => Promise<GateDecision>;

/**
 * Runs the gates in order; the first refusal wins. With none, everything passes. A gate that only asks
 * for a second person's approval does not stop the others: the presser's own Databricks rights are
 * still checked at the press, so a person who lacks them is refused at once, with the permission named,
 * rather than after someone approved. The approval request is answered only when every gate passed.
 */
export function chainGates(gates: readonly RemediationGate[]): RemediationGate {
  return async (input) => {
    let pending: GateDecision | undefined;
    for (const gate of gates) {
      const decision = await gate(input);
      if (decision.ok) continue;
      if (decision.approvalTtlMs === undefined) return decision;
      pending ??= decision;
    }
    return pending ?? { ok: true };
  };
}

/** One step of a remediation's life, for the audit log: propose (a press, allowed or not), execute, verify. */
interface RemediationAuditEvent {
  readonly type: 'propose' | 'approve' | 'execute' | 'verify';
  readonly attemptId: string;
  readonly attempt?: number | undefined;
  readonly incidentId: string;
  readonly workspaceId: string;
  readonly action: RemediationKind;
  readonly plan: RemediationPlan;
  readonly presser: Presser;
  /** The incident's classification, for `why`. */
  readonly classification?: string | undefined;
  /** The calls made (or, for `execute`, about to be made) and the answers' status (null: none came back). */
  readonly calls?: readonly { method: string; path: string; httpStatus: number | null }[];
  /** `queued`, `refused`, `shadow`, `started`, `recovered`, `failed` … */
  readonly outcome: string;
  readonly message: string;
}

/**
 * Where remediation steps are recorded (the audit log). Answers a refusal message when the log refuses
 * an `execute` entry (the hourly rate limits, counted under the log's lock): the calls are then not sent.
 */
export type RemediationAudit = (event: RemediationAuditEvent) => Promise<string | undefined>;
