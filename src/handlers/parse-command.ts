import { splitTrailingPeriod } from '../agents/analyst/cost-period.js';
import { severitySchema, type Severity } from '../domain/severity.js';

/** A `/dbx` command as the handler understands it. `text` beyond this many characters is not ours. */
const MAX_COMMAND_LENGTH = 2_000;
/** A tag is at most 127 + 1 + 255 characters in Databricks; names are shorter. */
const MAX_COST_TARGET = 400;

export type ParsedCommand =
  | { readonly name: 'help' }
  | { readonly name: 'incidents'; readonly team?: string; readonly severity?: Severity }
  | { readonly name: 'status'; readonly job: string }
  | { readonly name: 'ack'; readonly incidentId: string }
  /** `target` as typed (blank: the workspace); `period` the trailing period words (blank: 7 days). */
  | { readonly name: 'cost'; readonly target: string; readonly period: string }
  | { readonly name: 'ask'; readonly question: string }
  | { readonly name: 'unknown'; readonly word: string; readonly problem: string };

/**
 * Parses the text after `/dbx`. Never throws: anything it cannot read becomes `unknown` with a
 * problem the help reply can show. Subcommands are case-insensitive; arguments keep their case.
 */
export function parseCommand(raw: string): ParsedCommand {
  if (raw.length > MAX_COMMAND_LENGTH) {
    return {
      name: 'unknown',
      word: '',
      problem: `That command is longer than ${MAX_COMMAND_LENGTH} characters.`,
    };
  }
  // Slack may send non-breaking spaces and newlines from pasted text; treat all whitespace alike.
  const text = raw.replace(/[\s\u00a0]+/g, ' ').trim();
  if (text === '') return { name: 'help' };
  const space = text.indexOf(' ');
  const word = (space === -1 ? text : text.slice(0, space)).toLowerCase();
  const rest = space === -1 ? '' : text.slice(space + 1).trim();
  switch (word) {
    case 'help':
    case '?':
      return { name: 'help' };
    case 'incidents':
    case 'incident': {
      if (rest === '') return { name: 'incidents' };
      const sev = severitySchema.safeParse(rest.toUpperCase());
      return sev.success ? { name: 'incidents', severity: sev.data } : { name: 'incidents', team: rest };
    }
    case 'status':
      return rest === ''
        ? { name: 'unknown', word, problem: 'Tell me which job: `/dbx status <job name or id>`.' }
        : { name: 'status', job: rest };
    case 'ack':
      return /^[A-Za-z0-9_.:-]{1,128}$/.test(rest)
        ? { name: 'ack', incidentId: rest }
        : { name: 'unknown', word, problem: 'Tell me which incident: `/dbx ack <incident id>`.' };
    case 'cost': {
      const { rest: target, period } = splitTrailingPeriod(rest);
      return target.length > MAX_COST_TARGET
        ? {
            name: 'unknown',
            word,
            problem: `That name is longer than ${MAX_COST_TARGET} characters; no team, tag, job or warehouse is.`,
          }
        : { name: 'cost', target, period };
    }
    case 'ask':
      return rest === ''
        ? { name: 'unknown', word, problem: 'Tell me the question: `/dbx ask what failed last night?`.' }
        : { name: 'ask', question: rest };
    default:
      return { name: 'unknown', word, problem: `I don't know the command "${word.slice(0, 40)}".` };
  }
}
