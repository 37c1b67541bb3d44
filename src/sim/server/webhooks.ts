import type { JobRunEvent } from '../engine/sim-workspace.js';

export interface WebhookOptions {
  url: string;
  username?: string;
  password?: string;
  /** Send ids as JSON numbers instead of strings (Databricks' docs are ambiguous; default strings). */
  idsAsNumbers?: boolean;
}

/** The job-level notification payload Databricks POSTs to a generic webhook destination (docs/databricks.md, Job notification webhooks). */
export function webhookPayload(
  e: JobRunEvent,
  workspaceId: string,
  idsAsNumbers: boolean,
): Record<string, unknown> {
  const id = (n: number | string) => (idsAsNumbers ? Number(n) : String(n));
  return {
    event_type: e.event_type,
    workspace_id: id(workspaceId),
    run: { run_id: id(e.runId) },
    job: { job_id: id(e.jobId), name: e.jobName },
  };
}

/**
 * Delivers job notifications with HTTP Basic auth. Deliveries run in order of events but do not block
 * the simulation; `settled()` waits for all in flight. A failed delivery is retried once, then dropped
 * (Databricks does not promise delivery either).
 */
export class WebhookSender {
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly opts: WebhookOptions,
    private readonly workspaceId: string,
    private readonly fetchImpl: typeof fetch,
  ) {}

  send(e: JobRunEvent): void {
    const body = JSON.stringify(webhookPayload(e, this.workspaceId, this.opts.idsAsNumbers ?? false));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Databricks-Webhook/1.0',
    };
    if (this.opts.username !== undefined || this.opts.password !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${this.opts.username ?? ''}:${this.opts.password ?? ''}`).toString('base64')}`;
    }
    const attempt = async () => {
      const res = await this.fetchImpl(this.opts.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 500) throw new Error(`webhook answered ${res.status}`);
    };
    const p = attempt()
      .catch(() => attempt())
      .catch(() => undefined)
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
