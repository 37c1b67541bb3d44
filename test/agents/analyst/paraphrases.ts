import type { IntentName } from '../../../src/agents/analyst/intent-router.js';

/**
 * Held-out phrasings: written as an on-call engineer would type them, apart from the router's word
 * lists and without looking at them while writing. When one fails, fix the router's concepts — never
 * add the sentence itself to the router.
 */
export const PARAPHRASES: readonly (readonly [question: string, intent: IntentName])[] = [
  ['anything break overnight?', 'failures'],
  ['which jobs went red yesterday', 'failures'],
  ['show me the failed runs from the past 2 days', 'failures'],
  ['any errors in marketing jobs since Monday?', 'failures'],
  ['failure count per team this week', 'failures'],
  ['what blew up last night', 'failures'],
  ['what went wrong with finance_payments_hourly', 'why_failed'],
  ['root cause for the mkt_campaign_performance failure?', 'why_failed'],
  ['how come finance-orders-daily crashed', 'why_failed'],
  ['how is FINANCE_ORDERS_DAILY doing', 'job_status'],
  ['recent runs of platform_cost_report', 'job_status'],
  ['finance_fx_rates history', 'job_status'],
  ['is mkt_sessionize slower than usual?', 'job_duration'],
  ['how long does platform_usage_rollup take these days', 'job_duration'],
  ['did we breach any deadlines this week', 'sla_misses'],
  ['which tables were late yesterday?', 'sla_misses'],
  ['what are our costliest jobs', 'expensive_jobs'],
  ['top 10 jobs by dollars last week', 'expensive_jobs'],
  ['heaviest queries today', 'expensive_queries'],
  ['which SQL statements cost the most yesterday', 'expensive_queries'],
  ['who burns the most money on queries', 'expensive_queries'],
  ['which users spent the most this week', 'expensive_users'],
  ['how much did each team spend compared with the week before', 'spend_by_team'],
  ["why is marketing's bill up?", 'spend_by_team'],
  ['dbu spend per team', 'spend_by_team'],
  ['how much spend is unattributed', 'untagged_spend'],
  ['costs that are not tagged with a team', 'untagged_spend'],
  ['are any warehouses sitting there doing nothing?', 'idle_warehouses'],
  ['over-provisioned SQL warehouses', 'idle_warehouses'],
  ['warehouses that never stop', 'warehouses_without_autostop'],
  ['list warehouses with autostop disabled', 'warehouses_without_autostop'],
  ['clusters that keep running forever', 'clusters_without_autotermination'],
  ['all-purpose clusters with no auto termination', 'clusters_without_autotermination'],
  ['any stuck queries at the moment?', 'long_queries_now'],
  ['long-running statements right now', 'long_queries_now'],
  ['who touched main.finance.orders last week', 'table_access'],
  ['who modified main.marketing.sessions', 'table_access'],
  ['what depends on main.finance.orders', 'downstream'],
  ['if main.finance.raw_orders breaks what is affected', 'downstream'],
  ['lineage downstream of raw_orders', 'downstream'],
];
