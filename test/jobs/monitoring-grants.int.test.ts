import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotApp } from '../../src/app/bot-app.js';
import type { EmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { renderIncidentCardHtml } from '../../src/cards/html-cards.js';
import type { Incident } from '../../src/domain/incident.js';
import type { Signal } from '../../src/domain/signal.js';
import { incidentCardView } from '../../src/handlers/incident-card-view.js';
import { type DemoPolled, pollDemo } from '../support/demo-polls.js';

const HOUR = 3_600_000;
const SESSIONS = 'main.marketing.sessions';

let polled: DemoPolled;
let embedded: EmbeddedWorkspace;
let app: BotApp;

/**
 * The demo workspace through the production monitoring loop (polls only, as `dbxops eval` replays it):
 * at +5 h a cleanup revokes SELECT on main.marketing.sessions from marketing-analysts, and the campaign
 * rollup, run as a member of that group every two hours, fails with a permission error from then on.
 */
beforeAll(async () => {
  // From shortly before the revocation until three failed rollups later.
  polled = await pollDemo({ fromHours: 4.5, toHours: 11 });
  ({ embedded, app } = polled);
}, 600_000);
afterAll(async () => {
  await polled?.close();
});

async function incidentsWith(predicate: (s: Signal) => boolean) {
  const out: { incident: Incident; signals: Signal[] }[] = [];
  for (const incident of await app.repos.incidents.listOpen({ limit: 1_000 })) {
    const signals = await app.repos.incidents.listSignals(incident.id);
    if (signals.some(predicate)) out.push({ incident, signals });
  }
  return out;
}

const permissionFailure = (s: Signal) =>
  s.classification?.category === 'permission' &&
  s.kind !== 'grant_revoked' &&
  (s.refs.tablesRead ?? []).includes(SESSIONS);

describe('a revoked grant on the demo workspace', () => {
  it('puts the revocation and every permission failure after it in one incident, rooted at the revocation', async () => {
    // The demo's API throttle at +6 h turns some polls away (app.failures()); they are retried next minute.
    const withRevocation = await incidentsWith((s) => s.kind === 'grant_revoked');
    expect(withRevocation).toHaveLength(1);
    const [{ incident, signals }] = withRevocation as [{ incident: Incident; signals: Signal[] }];
    const root = signals.find((s) => s.id === incident.rootCauseSignalId);
    expect(root).toMatchObject({
      kind: 'grant_revoked',
      subject: { id: SESSIONS },
      refs: { principal: 'marketing-analysts', privileges: ['SELECT'] },
    });
    // The rollups of 06:40, 08:40 and 10:40, two hours apart: far beyond the correlation window.
    expect(signals.filter(permissionFailure).length).toBeGreaterThanOrEqual(3);
    // No permission failure on the table opened an incident of its own.
    expect(await incidentsWith(permissionFailure)).toHaveLength(1);
    expect(incident.title).toBe(`SELECT on ${SESSIONS} revoked from marketing-analysts`);
    expect(incident.category).toBe('permission');
    // Not transient, and the rollup it broke failed again: the demo's expected P3.
    expect(incident.severity).toBe('P3');
  });

  it('shows on the card who revoked what and when', async () => {
    const [{ incident, signals }] = (await incidentsWith((s) => s.kind === 'grant_revoked')) as [
      { incident: Incident; signals: Signal[] },
    ];
    const root = signals.find((s) => s.id === incident.rootCauseSignalId);
    const revokedAt = embedded.workspace.startMs + 5 * HOUR;
    const when = `${new Date(revokedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    const view = incidentCardView(incident, { rootSignal: root, nowMs: embedded.workspace.now() });
    expect(view.rootCause.evidence.errorExcerpt).toMatch(
      new RegExp(
        `^SELECT on ${SESSIONS.replaceAll('.', '\\.')} revoked from marketing-analysts by \\S+ at ${when}$`,
      ),
    );
    expect(renderIncidentCardHtml(view, embedded.workspace.now())).toContain(
      `SELECT on ${SESSIONS} revoked from marketing-analysts by`,
    );
  });
});
