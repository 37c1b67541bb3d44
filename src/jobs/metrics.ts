import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus metrics, served at `/metrics`. One registry per instance (not prom-client's
 * global) so tests and several embedded instances in one process do not share counters.
 */
export interface DbxopsMetrics {
  registry: Registry;
  queueDepth: Gauge<'queue' | 'state'>;
  sourceLagSeconds: Gauge<'workspace' | 'source'>;
  signals: Counter<'kind'>;
  incidentsOpened: Counter<'severity'>;
  incidentsUpdated: Counter<'severity'>;
  webhooks: Counter<'outcome'>;
  pipelineLatency: Histogram<'stage'>;
  monitoringDegraded: Gauge<'workspace' | 'source'>;
  /**
   * Has a gauge recomputed at every scrape, so it shows the state at that moment rather than at the last
   * event (a lag grows while nothing happens; a Retry-After wait ends on its own). Returns an unsubscribe.
   */
  refreshOnScrape(gauge: ScrapedGauge, refresh: () => void | Promise<void>): () => void;
}

/** The gauges whose value is computed when they are scraped. */
type ScrapedGauge = 'sourceLagSeconds' | 'monitoringDegraded';

export function createMetrics(options: { defaultMetrics?: boolean } = {}): DbxopsMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'dbxops_' });
  const registers = [registry];
  const refreshers: Record<ScrapedGauge, Set<() => void | Promise<void>>> = {
    sourceLagSeconds: new Set(),
    monitoringDegraded: new Set(),
  };
  const refreshAll = (gauge: ScrapedGauge) => async () => {
    for (const refresh of refreshers[gauge]) await refresh();
  };
  return {
    registry,
    queueDepth: new Gauge({
      name: 'dbxops_queue_depth',
      help: 'Jobs in each BullMQ queue by state (waiting, active, delayed, failed)',
      labelNames: ['queue', 'state'],
      registers,
    }),
    sourceLagSeconds: new Gauge({
      name: 'dbxops_source_lag_seconds',
      help: "How far each collection source is behind now: the workspace's now minus its watermark (for topology and retriage, which keep none, seconds since their last finished poll)",
      labelNames: ['workspace', 'source'],
      registers,
      collect: refreshAll('sourceLagSeconds'),
    }),
    signals: new Counter({
      name: 'dbxops_signals_total',
      help: 'Signals detected, by kind (duplicates not counted)',
      labelNames: ['kind'],
      registers,
    }),
    incidentsOpened: new Counter({
      name: 'dbxops_incidents_opened_total',
      help: 'Incidents opened, by severity',
      labelNames: ['severity'],
      registers,
    }),
    incidentsUpdated: new Counter({
      name: 'dbxops_incidents_updated_total',
      help: 'Signals joined to an already open incident, by its severity',
      labelNames: ['severity'],
      registers,
    }),
    webhooks: new Counter({
      name: 'dbxops_webhooks_total',
      help: 'Databricks job notification webhooks received, by outcome (accepted, duplicate, unauthorized, malformed)',
      labelNames: ['outcome'],
      registers,
    }),
    pipelineLatency: new Histogram({
      name: 'dbxops_pipeline_latency_seconds',
      help: 'Seconds from an event received to its incident stored, by stage',
      labelNames: ['stage'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    monitoringDegraded: new Gauge({
      name: 'dbxops_monitoring_degraded',
      help: '1 while a source is slowed by throttling or server errors from the workspace',
      labelNames: ['workspace', 'source'],
      registers,
      collect: refreshAll('monitoringDegraded'),
    }),
    refreshOnScrape(gauge, refresh) {
      refreshers[gauge].add(refresh);
      return () => void refreshers[gauge].delete(refresh);
    },
  };
}
