import type { RemediationPlan } from './plan-remediation.js';
import type { RemediationKind } from './remediation-kind.js';

/** The person who pressed, as their chat surface names them (mapped to a workspace principal by a gate). */
export interface Presser {
  readonly surface: string;
  readonly userId: string;
  readonly displayName?: string | undefined;
  readonly email?: string | undefined;
}

interface GateInput {
  readonly incidentId: string;
  readonly workspaceId: string;
  readonly action: RemediationKind;
  readonly plan: RemediationPlan;
  readonly presser: Presser;
  /** `press`: the button was pressed (refuse early, with a reason); `execute`: the calls are about to go out. */
  readonly phase: 'press' | 'execute';
}

type GateDecision =
  | { readonly ok: true }
  /** `gate` names the check that refused; `userMessage` says why and what would allow it. */
  | { readonly ok: false; readonly gate: string; readonly userMessage: string };

/**
 * A check that runs before a remediation executes: guardrails (allowed actions, limits, blackout
 * windows, kill switch), the presser's own Databricks rights, approvals. Each runs at press time and
 * again at the moment of execution, so a permission revoked or a window opened in between counts.
 */
export type RemediationGate = (input: GateInput) => Promise<GateDecision>;

/** Runs the gates in order; the first refusal wins. With none, everything passes. */
export function chainGates(gates: readonly RemediationGate[]): RemediationGate {
  return async (input) => {
    for (const gate of gates) {
      const decision = await gate(input);
      if (!decision.ok) return decision;
    }
    return { ok: true };
  };
}

/** One step of a remediation's life, for the audit log. */
interface RemediationAuditEvent {
  readonly type: 'propose' | 'execute' | 'verify' | 'refuse';
  readonly attemptId: string;
  readonly incidentId: string;
  readonly workspaceId: string;
  readonly action: RemediationKind;
  readonly presser: Presser;
  /** The calls made and the answers' status, for `execute`. */
  readonly calls?: readonly {
    method: string;
    path: string;
    status: string;
    httpStatus?: number | undefined;
  }[];
  readonly result: string;
  readonly at: number;
}

/** Where remediation steps are recorded (the audit log); the default records nothing. */
export type RemediationAudit = (event: RemediationAuditEvent) => Promise<void>;
