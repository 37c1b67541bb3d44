import type { WorkspaceStatus } from '../bot/console/workspace-status.js';
import type { Readiness } from './readiness.js';
import type { FirstFailure } from '../sim/engine/first-failure.js';
import type { SimWorkspace } from '../sim/engine/sim-workspace.js';

/**
 * The console header's view of the embedded demo: the simulated clock and speed, the workspace, and what
 * comes next — the first failure until it happens, then each scripted fault as its window opens.
 */
export function embeddedWorkspaceStatus(
  workspace: SimWorkspace,
  speed: number,
  firstFailure: FirstFailure | undefined,
): () => WorkspaceStatus {
  const scenario = workspace.scenario;
  const name = scenario.workspace.name ?? scenario.name;
  const notes = new Map(scenario.faults.flatMap((f) => (f.note ? [[f.id, f.note] as const] : [])));
  const upcoming = [
    ...(firstFailure
      ? [{ at: firstFailure.at, text: `${firstFailure.jobName} fails: the first incident card appears here` }]
      : []),
    ...workspace.faults().map((f) => ({ at: f.start_ms, text: notes.get(f.id) ?? faultText(f) })),
  ].sort((a, b) => a.at - b.at);
  return () => {
    const now = workspace.now();
    const next = upcoming.find((u) => u.at > now);
    return {
      mode: 'embedded',
      name,
      host: scenario.workspace.host,
      ...(scenario.description ? { description: scenario.description.trim() } : {}),
      now,
      speed,
      ...(next ? { next } : {}),
    };
  };
}

/** A real workspace (or several, named together): its host and the wall clock, nothing scripted. */
export function realWorkspaceStatus(
  host: string | readonly string[],
  clock: { now(): number },
): () => WorkspaceStatus {
  const names = (typeof host === 'string' ? [host] : host).map((h) => new URL(h).hostname);
  const name = names.join(' · ');
  return () => ({ mode: 'workspace', name, host: names[0] ?? name, now: clock.now(), speed: 1 });
}

function faultText(fault: ReturnType<SimWorkspace['faults']>[number]): string {
  const target = Object.values(fault.target).join('/');
  return `${fault.kind.replaceAll('_', ' ')} on ${target}`;
}

/**
 * The console header's status with what `/readyz` finds wrong, one line per failed check (`poll:runs:
 * late: last poll 135 s ago (every 60 s)`): a source that stopped polling shows where people look, not
 * only in the metrics. Readiness that cannot be worked out leaves the status as it is.
 */
export function withMonitoringHealth(
  status: () => WorkspaceStatus,
  readiness: () => Promise<Readiness> | undefined,
): () => Promise<WorkspaceStatus> {
  return async () => {
    const base = status();
    const ready = await readiness()?.catch(() => undefined);
    // A failed check shows even while the process is ready: one of several workspaces refusing us.
    if (ready === undefined || ready.failed.length === 0) return base;
    return { ...base, health: ready.failed.map((name) => `${name}: ${ready.checks[name] ?? 'failing'}`) };
  };
}
