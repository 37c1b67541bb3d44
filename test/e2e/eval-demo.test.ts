// @module-tag slow — the demo's 48 hours replayed, three minutes (test/suite-sequencer.ts runs it first)
import { describe, expect, it } from 'vitest';
import { evaluateScenario } from '../../src/app/eval-command.js';

/**
 * Issue 3's acceptance: the demo scenario replayed through the production pipeline meets the targets.
 * Slow (the whole 48 h at full speed, 12–22 minutes on a shared two-core machine), so it runs once, on
 * its own.
 */
describe('dbxops eval on scenarios/demo.yaml', () => {
  it('detects every fault, opens no incident without a cause, stays quiet, and its responder fixes what a press can', async () => {
    const r = await evaluateScenario({ scenario: 'scenarios/demo.yaml', seed: 42, json: true });
    const summary = { ...r, per_fault: r.per_fault.filter((f) => !f.detected).map((f) => f.id) };
    expect(r.recall, JSON.stringify(summary)).toBe(1);
    // The responder's fixes change only what they touch: no incident without a cause.
    expect(r.precision, JSON.stringify(r.unmatched_incidents)).toBe(1);
    expect(r.mttd_p95_s).toBeLessThanOrEqual(60);
    expect(r.noise_ratio).toBeLessThanOrEqual(0.25);
    expect(r.correlation_accuracy).toBeGreaterThanOrEqual(0.95);
    expect(r.severity_accuracy).toBeGreaterThanOrEqual(0.9);
    // The cascade is one incident: its three faults share it.
    const cascade = r.per_fault.filter((f) => f.rootFault === 'orders-extract-timeout');
    expect(new Set(cascade.map((f) => f.incidentId)).size).toBe(1);
    expect(r.rejected_signal_examples).toEqual([]);
    // The simulated responder (issue 13): the first suggested action, gated ones approved by a second
    // admin. The fixable faults recover on the first press, nothing the scenario marks wrong is offered,
    // and the audit chain of the whole run checks.
    const responses = JSON.stringify(r.responses);
    expect(r.recovered_first_try, responses).toBeGreaterThanOrEqual(0.8);
    expect(r.harmful_suggested, responses).toBe(0);
    expect(r.audit_verified).toBe(true);
    expect(r.responses.some((x) => x.approved === true)).toBe(true);
  }, 1_800_000);
});
