import { makeSignal, type Signal, type SignalDraft } from '../../src/domain/signal.js';

/** A task failure of job 42 as the webhook collector would report it; override what a test varies. */
export function failedTaskSignal(overrides: Partial<SignalDraft> = {}): Signal {
  const draft: SignalDraft = {
    source: 'webhook',
    dedupKey: 'run:1001:task:ingest:failed',
    workspaceId: '1234567890123456',
    kind: 'task_failed',
    severityHint: 'P2',
    observedAt: 1_717_000_060_000,
    occurredAt: 1_717_000_000_000,
    subject: { type: 'task', id: '42/ingest', name: 'nightly_sales / ingest' },
    refs: {
      jobId: '42',
      runId: '1001',
      taskKey: 'ingest',
      taskRunId: '1002',
      clusterId: '0523-101010-abcde123',
    },
    error: {
      message:
        '[TABLE_OR_VIEW_NOT_FOUND] The table or view `main`.`sales`.`orders_2024` cannot be found. SQLSTATE: 42P01; line 1 pos 14',
      errorClass: 'TABLE_OR_VIEW_NOT_FOUND',
    },
    classification: {
      category: 'missing_object',
      transient: false,
      action: 'NOTIFY_OWNER',
      rule: 'uc.table_not_found',
    },
    ...overrides,
  };
  const signal = makeSignal(draft);
  if (!signal.ok) throw new Error(signal.userMessage);
  return signal.value;
}
