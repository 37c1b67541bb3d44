/** The `/dbx help` text; also the answer to an unknown subcommand. Plain text: renderers escape it. */
export const HELP_TEXT = [
  '/dbx help — this list',
  '/dbx incidents [team | P1–P4] — open incidents, most severe first',
  '/dbx status <job name or id> — the job and its latest runs',
  '/dbx ack <incident id> — acknowledge an incident',
  '/dbx resolve <incident id> — resolve an incident, then say what fixed it',
  '/dbx fixed <incident id> <suggested action, or what you did> — record what fixed a resolved incident; the next incident like it shows it first',
  '/dbx kill-switch on [reason] | off | status — stop every remediation at once (and start them again), without a restart',
  '/dbx cost [team | tag=value | job | warehouse | workspace] [7d | 30d | yesterday | this week | last week | this month | last month] [workspace:<name>] — spend in dollars and DBUs, against the period before, with a daily chart',
  '/dbx ask <question> [workspace:<name>] — a question about failures, SLAs, spend, warehouses, clusters or tables, answered from the system tables',
].join('\n');

/**
 * A best-effort pointer to the command that can answer a question today, from a few keywords. Returns
 * undefined when nothing fits, so the reply does not suggest something irrelevant.
 */
export function questionHint(question: string): string | undefined {
  const q = question.toLowerCase();
  if (/\b(incident|incidents|fail|failing|failed|broken|down|alert|outage)/.test(q)) {
    return 'For what is broken right now, try /dbx incidents.';
  }
  if (/\b(job|run|runs|pipeline|etl|status)\b/.test(q)) return 'For a job, try /dbx status <job name or id>.';
  return undefined;
}
