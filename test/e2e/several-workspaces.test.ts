import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { WEBHOOK_PATH } from '../../src/app/databricks-webhook-route.js';
import { type EmbeddedWorkspace, startEmbeddedWorkspace } from '../../src/app/embedded-workspace.js';
import { type ReservedPort, reservePort } from '../../src/app/http-app.js';
import { type RunningDbxops, startDbxops } from '../../src/app/start-command.js';
import { suggestRemediations } from '../../src/agents/remediation/suggest-remediations.js';
import { encodeButtonValue } from '../../src/cards/button-value.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/config/logger.js';
import { systemClock } from '../../src/domain/clock.js';

/**
 * One dbxops watching two workspaces — two `sim serve --tls --wall-clock` simulators, the demo's retailer
 * (`acme-prod`, from `DATABRICKS_HOST`) and the streaming company (`northlight-prod`, a `workspaces`
 * entry of dbxops.yaml with its own `auth`, `warehouse_id` and `webhook`) — reached only over HTTPS.
 */

const ACME = { username: 'dbxops', password: 'acme-webhook-secret' };
const NORTHLIGHT = { username: 'northlight-hooks', password: 'northlight-webhook-secret' };

function trustLocalCa(caCert: string): void {
  if (!getCACertificates('default').includes(caCert))
    setDefaultCACertificates([...getCACertificates('default'), caCert]);
}

/** Sets environment variables for one test and gives back a function that restores them. */
function setEnv(values: Record<string, string>): () => void {
  const before = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  Object.assign(process.env, values);
  return () => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

async function startSim(
  file: string,
  port: number,
  webhook: { path: string; username: string; password: string },
) {
  const sim = await startEmbeddedWorkspace({
    scenario: { file },
    seed: 42,
    speed: 0,
    tls: true,
    wallClock: { clock: systemClock, atHour: 30 },
    webhook: { url: `http://127.0.0.1:${port}${webhook.path}`, ...webhook },
  });
  trustLocalCa(sim.tls!.caCert);
  return sim;
}

/** The open incidents of a workspace, with the workspaces their signals came from. */
async function incidentsOf(running: RunningDbxops, workspaceId: string) {
  const open = await running.app.repos.incidents.listOpen({ workspaceId, limit: 500 });
  const signals = [
    ...(await running.app.repos.incidents.listSignalsOf(open.map((i) => i.id))).values(),
  ].flat();
  return {
    count: open.length,
    kinds: [...new Set(signals.map((s) => s.kind))].sort(),
    signalWorkspaces: [...new Set(signals.map((s) => s.workspaceId))],
  };
}

/** Runs someone started or repaired through the API (a fix), by id: the scenario's own runs are neither. */
function actedOn(sim: EmbeddedWorkspace): string[] {
  return sim.workspace
    .listRuns({})
    .filter((run) => run.manual || run.repairs.some((r) => r.type === 'REPAIR'))
    .map((run) => `${run.runId}:${run.repairs.length}`);
}

function difference(after: readonly string[], before: readonly string[]): string[] {
  return after.filter((x) => !before.includes(x));
}

/**
 * An open incident of the workspace whose card offers a job fix (repair or rerun) on a job outside the
 * content team's, whose members hold CAN_MANAGE_RUN on their own job only.
 */
async function fixableIncident(running: RunningDbxops, sim: EmbeddedWorkspace, workspaceId: string) {
  const open = await running.app.repos.incidents.listOpen({ workspaceId, limit: 500 });
  for (const incident of open) {
    const signals = await running.app.repos.incidents.listSignals(incident.id);
    const root = signals.find((s) => s.id === incident.rootCauseSignalId) ?? signals[0];
    const action = suggestRemediations(root).find((a) => a === 'repair' || a === 'rerun');
    const jobId = root?.refs.jobId;
    if (action === undefined || jobId === undefined) continue;
    if (sim.workspace.getJob(Number(jobId)).settings.name === 'content_catalog_sync') continue;
    return { incident, action };
  }
  return undefined;
}

function notification(workspaceId: string) {
  return JSON.stringify({
    event_type: 'jobs.on_start',
    workspace_id: workspaceId,
    run: { run_id: String(Date.now()) },
    job: { job_id: '1', name: 'a_job' },
  });
}

async function deliver(url: string, path: string, body: string, who: { username: string; password: string }) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${who.username}:${who.password}`).toString('base64')}`,
    },
    body,
  });
  return response.status;
}

describe('one dbxops watching several workspaces', () => {
  const sims: EmbeddedWorkspace[] = [];
  let running: RunningDbxops | undefined;
  let reserved: ReservedPort | undefined;
  let dir = '';
  let restoreEnv = () => {};

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await reserved?.release();
    for (const sim of sims.splice(0)) await sim.close();
    restoreEnv();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('watches two workspaces, each with its own incidents, webhook path and answers, and correlates nothing across them', async () => {
    // Held from here on: the simulators need the webhook URL before dbxops serves on it.
    reserved = await reservePort('127.0.0.1');
    const { port } = reserved;
    const acme = await startSim('scenarios/demo.yaml', port, { path: WEBHOOK_PATH, ...ACME });
    sims.push(acme);
    const northlightId = '7301928465019283';
    const northlight = await startSim('scenarios/streaming.yaml', port, {
      path: `${WEBHOOK_PATH}/${northlightId}`,
      ...NORTHLIGHT,
    });
    sims.push(northlight);
    expect(northlight.workspace.workspaceId).toBe(northlightId);
    const acmeId = acme.workspace.workspaceId;
    const [northlightWarehouse] = northlight.workspace.warehouses.byName.values();

    dir = mkdtempSync(join(tmpdir(), 'dbxops-multi-'));
    writeFileSync(
      join(dir, 'dbxops.yaml'),
      [
        'workspaces:',
        // Named only: the workspace of DATABRICKS_HOST.
        `  - id: "${acmeId}"`,
        '    name: acme-prod',
        // Watched too: its secrets are named, never written here.
        `  - id: "${northlightId}"`,
        '    name: northlight-prod',
        `    host: ${northlight.url}`,
        '    auth: { token_env: NORTHLIGHT_TOKEN }',
        `    warehouse_id: ${northlightWarehouse!.id}`,
        `    webhook: { username: ${NORTHLIGHT.username}, password_env: NORTHLIGHT_WEBHOOK_PASSWORD }`,
        // Console users as workspace users: northlight-prod's SCIM knows them, acme-prod's does not.
        'principals:',
        '  console: { operator: sam@northlight.example, viewer: priya@northlight.example }',
      ].join('\n'),
    );
    restoreEnv = setEnv({
      DBXOPS_POLICY: join(dir, 'dbxops.yaml'),
      NORTHLIGHT_TOKEN: northlight.token,
      NORTHLIGHT_WEBHOOK_PASSWORD: NORTHLIGHT.password,
    });
    const env = loadEnv({
      PORT: String(port),
      LOG_LEVEL: 'silent',
      DBXOPS_DATA_DIR: dir,
      DATABRICKS_HOST: acme.url,
      DATABRICKS_TOKEN: acme.token,
      DATABRICKS_WAREHOUSE_ID: acme.workspace.warehouses.byName.get('finance_wh')!.id,
      DBXOPS_WEBHOOK_USERNAME: ACME.username,
      DBXOPS_WEBHOOK_PASSWORD: ACME.password,
    });
    const started = Date.now();
    running = await startDbxops(env, createLogger({ level: 'silent' }), 'all', reserved);
    const url = running.url;

    // Each workspace's webhook path takes its own notifications, with its own credentials only.
    const northlightPath = `${WEBHOOK_PATH}/${northlightId}`;
    expect(await deliver(url, northlightPath, notification(northlightId), NORTHLIGHT)).toBe(202);
    expect(await deliver(url, northlightPath, notification(northlightId), ACME)).toBe(401);
    expect(await deliver(url, northlightPath, notification(acmeId), NORTHLIGHT)).toBe(403);
    expect(await deliver(url, WEBHOOK_PATH, notification(northlightId), ACME)).toBe(403);
    expect(await deliver(url, WEBHOOK_PATH, notification(acmeId), ACME)).toBe(202);
    expect(await deliver(url, `${WEBHOOK_PATH}/${acmeId}`, notification(acmeId), ACME)).toBe(202);
    expect(await deliver(url, `${WEBHOOK_PATH}/0000`, notification(acmeId), ACME)).toBe(404);

    // Both workspaces' polls find their own incidents.
    await expect
      .poll(
        async () => {
          const [a, n] = await Promise.all([
            incidentsOf(running!, acmeId),
            incidentsOf(running!, northlightId),
          ]);
          return a.count > 0 && n.count > 0;
        },
        { timeout: 180_000, interval: 1_000 },
      )
      .toBe(true);
    const [a, n] = await Promise.all([incidentsOf(running, acmeId), incidentsOf(running, northlightId)]);
    process.stdout.write(
      `after ${((Date.now() - started) / 1000).toFixed(1)} s: acme-prod ${a.count} incidents (${a.kinds.join(', ')}); northlight-prod ${n.count} (${n.kinds.join(', ')})\n`,
    );
    // Nothing joined across: every incident holds only signals of its own workspace.
    expect(a.signalWorkspaces).toEqual([acmeId]);
    expect(n.signalWorkspaces).toEqual([northlightId]);
    const all = await running.app.repos.incidents.listOpen({ limit: 1_000 });
    expect(all.length).toBe(a.count + n.count);

    // /dbx incidents names each incident's workspace; /dbx status finds a job in the workspace that has it.
    const ask = (text: string) =>
      running!.app.handler({
        kind: 'command',
        text,
        actor: { surface: 'console', userId: 'operator' },
        conversation: { surface: 'console', channelId: 'incidents' },
        requestId: randomUUID(),
        receivedAt: Date.now(),
      });
    const listed = JSON.stringify(await ask('incidents'));
    expect(listed).toContain('"title":"acme-prod: ');
    expect(listed).toContain('"title":"northlight-prod: ');
    const status = JSON.stringify(await ask('status recs_train_ranker'));
    expect(status).toContain('recs_train_ranker (northlight-prod)');
    // `workspace:` keeps the look-up in the workspace it names: acme-prod has no such job.
    expect(JSON.stringify(await ask('status recs_train_ranker workspace:NorthLight-Prod'))).toContain(
      'recs_train_ranker (northlight-prod)',
    );
    const elsewhere = JSON.stringify(await ask('status recs_train_ranker workspace:acme-prod'));
    expect(elsewhere).not.toContain('(northlight-prod)');
    expect(elsewhere).toContain('recs_train_ranker');
    expect(JSON.stringify(await ask('status recs_train_ranker workspace:nowhere'))).toContain(
      'I watch no workspace called `nowhere`',
    );

    // A fix pressed on the second workspace's incident runs there, with the presser's rights read there.
    await expect
      .poll(async () => fixableIncident(running!, northlight, northlightId), {
        timeout: 180_000,
        interval: 1_000,
      })
      .toBeDefined();
    const theirs = (await fixableIncident(running, northlight, northlightId))!;
    const press = (userId: string) =>
      running!.app.handler({
        kind: 'button',
        actionId: 'dbx:run_plan',
        value: encodeButtonValue({
          kind: 'plan',
          action: 'run_plan',
          incidentId: theirs.incident.id,
          version: theirs.incident.version,
          remediationId: theirs.action,
        }),
        actor: { surface: 'console', userId },
        conversation: { surface: 'console', channelId: 'incidents' },
        requestId: randomUUID(),
        receivedAt: Date.now(),
      });
    const acmeActedOn = actedOn(acme);
    const northlightActedOn = actedOn(northlight);
    // Priya, of the content team in northlight-prod, does not hold the job's permission there.
    const refused = JSON.stringify(await press('viewer'));
    expect(refused).toContain('Refused by rights');
    expect(refused).toContain('CAN_MANAGE_RUN');
    expect(refused).toContain('priya@northlight.example');
    expect(await running.app.repos.remediations.listForIncident(theirs.incident.id)).toEqual([]);
    // Sam, a northlight-prod admin, runs it: the calls go to northlight-prod, nothing to acme-prod.
    expect(JSON.stringify(await press('operator'))).not.toContain('Refused');
    await expect
      .poll(
        async () =>
          (await running!.app.repos.remediations.listForIncident(theirs.incident.id)).map((a) => a.state),
        { timeout: 60_000, interval: 500 },
      )
      .not.toContainEqual(expect.stringMatching(/^(queued|executing)$/));
    const [attempt] = await running.app.repos.remediations.listForIncident(theirs.incident.id);
    expect(attempt!.workspaceId).toBe(northlightId);
    expect(attempt!.steps.length).toBeGreaterThan(0);
    expect(attempt!.steps.every((step) => step.status === 'done')).toBe(true);
    expect(difference(actedOn(northlight), northlightActedOn).length).toBeGreaterThan(0);
    expect(difference(actedOn(acme), acmeActedOn)).toEqual([]);
    // Every audit entry of the fix names the workspace it acted in.
    const entries = [];
    for await (const entry of running.app.repos.audit.entries()) {
      if (entry.why.incidentId === theirs.incident.id) entries.push(entry);
    }
    expect(entries.map((e) => e.where.workspaceId)).toEqual(entries.map(() => northlightId));
    expect(entries.map((e) => e.what.action)).toContain(theirs.action);

    // /dbx cost and /dbx ask read the workspace they name, say which, and list the names for one not watched.
    expect(JSON.stringify(await ask('cost workspace:northlight-prod'))).toContain(
      '"target":"the workspace in northlight-prod"',
    );
    expect(JSON.stringify(await ask('cost'))).toContain('"target":"the workspace in acme-prod"');
    expect(JSON.stringify(await ask('ask what failed today? workspace:northlight-prod'))).toContain(
      '"freshness":"From northlight-prod.',
    );
    expect(JSON.stringify(await ask('cost workspace:staging'))).toContain(
      'I watch no workspace called `staging`. Name one of `acme-prod`, `northlight-prod`.',
    );

    // Both are healthy: nothing for /readyz to name.
    const ready = (await (await fetch(`${url}/readyz`)).json()) as {
      ok: boolean;
      checks: Record<string, string>;
    };
    expect(ready.checks).toMatchObject({ 'workspace:acme-prod': 'ok', 'workspace:northlight-prod': 'ok' });
  }, 300_000);

  it('names a misconfigured workspace in /readyz, the logs and the console while the other goes on', async () => {
    // Held from here on: the simulators need the webhook URL before dbxops serves on it.
    reserved = await reservePort('127.0.0.1');
    const { port } = reserved;
    const acme = await startSim('scenarios/demo.yaml', port, { path: WEBHOOK_PATH, ...ACME });
    sims.push(acme);
    const acmeId = acme.workspace.workspaceId;
    const financeWh = acme.workspace.warehouses.byName.get('finance_wh')!.id;
    dir = mkdtempSync(join(tmpdir(), 'dbxops-multi-'));
    writeFileSync(
      join(dir, 'dbxops.yaml'),
      [
        'workspaces:',
        // The same simulator under other ids: one signs in with a token it refuses, one names no warehouse it has.
        '  - id: "1111111111"',
        '    name: bad-token',
        `    host: ${acme.url}`,
        '    auth: { token_env: BAD_TOKEN }',
        `    warehouse_id: ${financeWh}`,
        '  - id: "2222222222"',
        '    name: no-warehouse',
        `    host: ${acme.url}`,
        '    auth: { token_env: GOOD_TOKEN }',
        '    warehouse_id: "0000000000000000"',
      ].join('\n'),
    );
    restoreEnv = setEnv({
      DBXOPS_POLICY: join(dir, 'dbxops.yaml'),
      BAD_TOKEN: 'dapi-not-a-token-this-workspace-knows',
      GOOD_TOKEN: acme.token,
    });
    const env = loadEnv({
      PORT: String(port),
      DBXOPS_DATA_DIR: dir,
      DATABRICKS_HOST: acme.url,
      DATABRICKS_TOKEN: acme.token,
      DATABRICKS_WAREHOUSE_ID: financeWh,
      DATABRICKS_SQL_TRANSPORT: 'statement-execution',
      DBXOPS_WEBHOOK_USERNAME: ACME.username,
      DBXOPS_WEBHOOK_PASSWORD: ACME.password,
    });
    const lines: string[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) =>
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)),
    );
    running = await startDbxops(env, createLogger({ level: 'warn', destination }), 'all', reserved);
    const url = running.url;

    type Ready = { ok: boolean; failed: string[]; checks: Record<string, string> };
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${url}/readyz`)).json()) as Ready).failed
            .filter((f) => f.startsWith('workspace:'))
            .sort(),
        {
          timeout: 120_000,
          interval: 1_000,
        },
      )
      .toEqual(['workspace:bad-token', 'workspace:no-warehouse']);
    const response = await fetch(`${url}/readyz`);
    const ready = (await response.json()) as Ready;
    // The good workspace keeps the process ready.
    expect(response.status).toBe(200);
    expect(ready.checks['workspace:acme-prod'] ?? ready.checks[`workspace:${acmeId}`]).toBe('ok');
    expect(ready.checks['workspace:bad-token']).toMatch(/^refused: /);
    expect(ready.checks['workspace:no-warehouse']).toMatch(
      /^refused: .*Warehouse 0000000000000000 does not exist/,
    );

    // The console's header says it where people look.
    const status = (await (await fetch(`${url}/api/status`)).json()) as { health?: string[] };
    expect(status.health?.some((h) => h.startsWith('workspace:bad-token: refused'))).toBe(true);
    expect(status.health?.some((h) => h.startsWith('workspace:no-warehouse: refused'))).toBe(true);

    // The logs name each workspace's failed polls, and never the token.
    const failedPolls = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'poll failed; retried');
    expect(new Set(failedPolls.map((l) => l.workspace))).toEqual(new Set(['1111111111', '2222222222']));
    expect(lines.join('\n')).not.toContain('dapi-not-a-token-this-workspace-knows');

    // The healthy workspace goes on: its incidents are found.
    await expect
      .poll(async () => (await incidentsOf(running!, acmeId)).count, { timeout: 120_000, interval: 1_000 })
      .toBeGreaterThan(0);
  }, 300_000);
});
