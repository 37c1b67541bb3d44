import type { JobNotification } from '../agents/collector/job-webhook.js';
import type { Logger } from '../config/logger.js';
import { PermanentJobError, type Processors } from './dispatcher.js';
import type { MonitoringPayloads } from './monitoring.js';

type MonitoringProcessors = Processors<MonitoringPayloads>;

/**
 * The monitoring stages of several workspaces behind one set of queues. Each workspace keeps its own
 * stages (client, topology, detector state, watermarks); this sends each piece of work to the stages of
 * the workspace it belongs to: a poll to the one it names (the first without a name, as schedules
 * declared before there were several do), a notification and a signal to the one they carry. Card
 * updates and explanations are per incident and go to the first. With one workspace, its stages as
 * they are.
 */
export function routeToWorkspaces(
  stages: ReadonlyMap<string, MonitoringProcessors>,
  logger: Pick<Logger, 'warn'>,
): MonitoringProcessors {
  const [entry] = stages;
  if (entry === undefined) throw new Error('routeToWorkspaces needs at least one workspace');
  const [firstId, first] = entry;
  if (stages.size === 1) return first;
  const of = (workspace: string | undefined) => (workspace === undefined ? first : stages.get(workspace));

  return {
    webhook: async (payload) => {
      const all = 'notifications' in payload ? payload.notifications : [payload.notification];
      const byWorkspace = groupBy(all, (n: JobNotification) => n.workspaceId);
      for (const [workspace, notifications] of byWorkspace) {
        const to = stages.get(workspace);
        // The webhook route takes only its own workspace's notifications: this is a job queued otherwise.
        if (to === undefined) {
          logger.warn(
            { workspace, notifications: notifications.length },
            'notifications of a workspace not watched; dropped',
          );
          continue;
        }
        await to.webhook({ notifications, receivedAt: payload.receivedAt });
      }
    },
    poll: async (payload) => {
      const to = of(payload.workspace);
      // A schedule of a workspace taken out of dbxops.yaml: nothing to poll, and no retry will find it.
      if (to === undefined)
        throw new PermanentJobError(`No workspace ${payload.workspace} is watched`, {
          workspace: payload.workspace,
        });
      await to.poll(payload);
    },
    signal: async (payload) => {
      // Payloads crossed Redis and are checked by the stages: one that names no known workspace goes to
      // the first, which refuses what is not a signal.
      const all = 'signals' in payload ? payload.signals : [payload.signal];
      const byWorkspace = groupBy(all, (s) => {
        const workspace: unknown = (s as { workspaceId?: unknown }).workspaceId;
        return typeof workspace === 'string' && stages.has(workspace) ? workspace : firstId;
      });
      for (const [workspace, signals] of byWorkspace) {
        await (stages.get(workspace) ?? first).signal({ signals, detectedAt: payload.detectedAt });
      }
    },
    notify: (payload) => first.notify(payload),
    explain: (payload) => first.explain(payload),
  };
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
