import { describe, expect, it } from 'vitest';
import type { JobNotification } from '../../src/agents/collector/job-webhook.js';
import { createLogger } from '../../src/config/logger.js';
import type { Signal } from '../../src/domain/signal.js';
import { PermanentJobError, type Processors } from '../../src/jobs/dispatcher.js';
import type { MonitoringPayloads } from '../../src/jobs/monitoring.js';
import { routeToWorkspaces } from '../../src/jobs/workspace-stages.js';

const logger = createLogger({ level: 'silent' });

/** Stages that write down what they were given, as `queue:detail`. */
function recording(seen: string[], workspace: string): Processors<MonitoringPayloads> {
  return {
    webhook: async (p) => {
      const all = 'notifications' in p ? p.notifications : [p.notification];
      seen.push(`${workspace} webhook ${all.map((n) => n.jobRunId).join(',')}`);
    },
    poll: async (p) => void seen.push(`${workspace} poll ${p.source}`),
    signal: async (p) => {
      const all = 'signals' in p ? p.signals : [p.signal];
      seen.push(`${workspace} signal ${all.map((s) => s.id).join(',')}`);
    },
    notify: async (p) => void seen.push(`${workspace} notify ${p.incidentId}`),
    explain: async (p) => void seen.push(`${workspace} explain ${p.incidentId}`),
  };
}

const note = (workspaceId: string, jobRunId: string): JobNotification => ({
  eventType: 'jobs.on_failure',
  workspaceId,
  jobId: '1',
  jobName: 'a',
  jobRunId,
  taskRunId: null,
  taskKey: null,
  dedupKey: `webhook:${workspaceId}:${jobRunId}`,
});

describe('routeToWorkspaces', () => {
  it('sends each poll, notification and signal to the stages of its own workspace', async () => {
    const seen: string[] = [];
    const route = routeToWorkspaces(
      new Map([
        ['111', recording(seen, 'A')],
        ['222', recording(seen, 'B')],
      ]),
      logger,
    );
    await route.poll({ source: 'runs' });
    await route.poll({ source: 'topology', workspace: '222' });
    await route.webhook({
      notifications: [note('111', 'r1'), note('222', 'r2'), note('111', 'r3')],
      receivedAt: 0,
    });
    await route.webhook({ notifications: [note('333', 'r4')], receivedAt: 0 });
    const signal = (id: string, workspaceId: unknown) => ({ id, workspaceId }) as unknown as Signal;
    await route.signal({
      signals: [signal('s1', '222'), signal('s2', '111'), signal('s3', 42)],
      detectedAt: 0,
    });
    await route.notify({ incidentId: 'inc_1' });
    expect(seen).toEqual([
      // A poll without a workspace is the first's: schedules declared before there were several.
      'A poll runs',
      'B poll topology',
      'A webhook r1,r3',
      'B webhook r2',
      // A notification of a workspace not watched is dropped, not observed through another's client.
      'B signal s1',
      // What names no watched workspace goes to the first, which refuses what is not a signal.
      'A signal s2,s3',
      'A notify inc_1',
    ]);
  });

  it('fails a poll of a workspace no longer watched at once, without retries', async () => {
    const seen: string[] = [];
    const route = routeToWorkspaces(
      new Map([
        ['111', recording(seen, 'A')],
        ['222', recording(seen, 'B')],
      ]),
      logger,
    );
    await expect(route.poll({ source: 'runs', workspace: '999' })).rejects.toBeInstanceOf(PermanentJobError);
    expect(seen).toEqual([]);
  });

  it('leaves a single workspace’s stages as they are', () => {
    const only = recording([], 'A');
    expect(routeToWorkspaces(new Map([['111', only]]), logger)).toBe(only);
  });
});
