import { splitTrailingPeriod } from '../agents/analyst/cost-period.js';
import { severitySchema, type Severity } from '../domain/severity.js';

/** A `/dbx` command as the handler understands it. `text` beyond this many characters is not ours. */
const MAX_COMMAND_LENGTH = 2_000;
/** An incident id as cards and commands carry it. */
const INCIDENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
/** A tag is at most 127 + 1 + 255 characters in Databricks; names are shorter. */
const MAX_COST_TARGET = 400;
/** Longer than any workspace name or id a `workspaces` entry would carry. */
const MAX_WORKSPACE_NAME = 128;
/** `workspace:<name>`, or `workspace:"<name with spaces>"`, as a word of its own. */
const WORKSPACE_WORD = /(?:^|\s)workspace:(?:"([^"]*)"|(\S*))(?=\s|$)/gi;
/** A name as typed may hold letters, digits, spaces and `_ . -`: nothing that could be markup or a quote. */
const WORKSPACE_NAME = /^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u;
const WORKSPACE_HINT = 'Name the workspace once, as `workspace:<name>` (quoted when it has spaces).';

export type ParsedCommand =
  | { readonly name: 'help' }
  | { readonly name: 'incidents'; readonly team?: string; readonly severity?: Severity }
  /** `workspace` as typed after `workspace:`; absent: the first workspace that has the job. */
  | { readonly name: 'status'; readonly job: string; readonly workspace?: string }
  | { readonly name: 'ack'; readonly incidentId: string }
  | { readonly name: 'resolve'; readonly incidentId: string }
  /** What fixed a resolved incident: one of its suggested actions (by kind or label), or free text. */
  | { readonly name: 'fixed'; readonly incidentId: string; readonly fix: string }
  /** The live remediation kill switch; `reason` only with on and off. */
  | { readonly name: 'kill_switch'; readonly state: 'on' | 'off' | 'status'; readonly reason: string }
  /** `target` as typed (blank: the workspace); `period` the trailing period words (blank: 7 days). */
  | { readonly name: 'cost'; readonly target: string; readonly period: string; readonly workspace?: string }
  /** `workspace` as typed after `workspace:`; the handler matches it (absent: the first workspace). */
  | { readonly name: 'ask'; readonly question: string; readonly workspace?: string }
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
    case 'status': {
      const named = takeWorkspaceWord(rest);
      if (!named.ok) return { name: 'unknown', word, problem: named.problem };
      return named.text === ''
        ? { name: 'unknown', word, problem: 'Tell me which job: `/dbx status <job name or id>`.' }
        : { name: 'status', job: named.text, ...inWorkspace(named.workspace) };
    }
    case 'ack':
      return INCIDENT_ID.test(rest)
        ? { name: 'ack', incidentId: rest }
        : { name: 'unknown', word, problem: 'Tell me which incident: `/dbx ack <incident id>`.' };
    case 'resolve':
      return INCIDENT_ID.test(rest)
        ? { name: 'resolve', incidentId: rest }
        : { name: 'unknown', word, problem: 'Tell me which incident: `/dbx resolve <incident id>`.' };
    case 'fixed': {
      const gap = rest.indexOf(' ');
      const id = gap === -1 ? rest : rest.slice(0, gap);
      const fix = gap === -1 ? '' : rest.slice(gap + 1).trim();
      return INCIDENT_ID.test(id) && fix !== ''
        ? { name: 'fixed', incidentId: id, fix }
        : {
            name: 'unknown',
            word,
            problem:
              'Tell me which incident and what fixed it: `/dbx fixed <incident id> <suggested action, or what you did>`.',
          };
    }
    case 'kill-switch':
    case 'killswitch': {
      const gap = rest.indexOf(' ');
      const state = (gap === -1 ? rest : rest.slice(0, gap)).toLowerCase();
      const reason = gap === -1 ? '' : rest.slice(gap + 1).trim();
      return state === 'on' || state === 'off' || state === 'status'
        ? { name: 'kill_switch', state, reason: state === 'status' ? '' : reason }
        : {
            name: 'unknown',
            word,
            problem: 'Say on, off or status: `/dbx kill-switch on [reason]`.',
          };
    }
    case 'cost': {
      const named = takeWorkspaceWord(rest);
      if (!named.ok) return { name: 'unknown', word, problem: named.problem };
      const { rest: target, period } = splitTrailingPeriod(named.text);
      return target.length > MAX_COST_TARGET
        ? {
            name: 'unknown',
            word,
            problem: `That name is longer than ${MAX_COST_TARGET} characters; no team, tag, job or warehouse is.`,
          }
        : { name: 'cost', target, period, ...inWorkspace(named.workspace) };
    }
    case 'ask': {
      const named = takeWorkspaceWord(rest);
      if (!named.ok) return { name: 'unknown', word, problem: named.problem };
      return named.text === ''
        ? { name: 'unknown', word, problem: 'Tell me the question: `/dbx ask what failed last night?`.' }
        : { name: 'ask', question: named.text, ...inWorkspace(named.workspace) };
    }
    default:
      return { name: 'unknown', word, problem: `I don't know the command "${word.slice(0, 40)}".` };
  }
}

/** The `workspace:` word that names `name` again, as `takeWorkspaceWord` reads it (quoted with spaces). */
export function workspaceWord(name: string): string {
  return /\s/.test(name) ? `workspace:"${name}"` : `workspace:${name}`;
}

const inWorkspace = (workspace: string | undefined) => (workspace === undefined ? {} : { workspace });

/**
 * Takes the `workspace:<name>` word out of a command's or a question's text (`/dbx cost team:ads
 * workspace:northlight-prod last week`, `workspace:"acme prod" what failed last night?`), wherever it
 * stands. At most one; a name that is empty, too long, or holds quotes or markup is refused with how to
 * write it. Which workspace the name means is the handler's to say.
 */
export function takeWorkspaceWord(
  text: string,
):
  | { readonly ok: true; readonly text: string; readonly workspace?: string }
  | { readonly ok: false; readonly problem: string } {
  const found = [...text.matchAll(WORKSPACE_WORD)];
  if (found.length === 0) {
    return /(?:^|\s)workspace:/i.test(text)
      ? { ok: false, problem: `That workspace name could not be read. ${WORKSPACE_HINT}` }
      : { ok: true, text };
  }
  if (found.length > 1)
    return { ok: false, problem: `That names more than one workspace. ${WORKSPACE_HINT}` };
  const match = found[0]!;
  const name = (match[1] ?? match[2] ?? '').trim();
  if (name.length > MAX_WORKSPACE_NAME)
    return { ok: false, problem: `That workspace name is longer than ${MAX_WORKSPACE_NAME} characters.` };
  if (!WORKSPACE_NAME.test(name))
    return { ok: false, problem: `That workspace name could not be read. ${WORKSPACE_HINT}` };
  const rest = `${text.slice(0, match.index)} ${text.slice(match.index + match[0].length)}`;
  return { ok: true, text: rest.replace(/ +/g, ' ').trim(), workspace: name };
}
