import { z } from 'zod';
import { err, ok, type Result } from '../domain/result.js';

/**
 * Buttons that run a `/dbx` command as the person who presses them: a candidate for an ambiguous name
 * ("team finance", "job finance_fx_rates"), or "Show SQL" on a cost card (Slack has no section that
 * expands, so the SQL comes as a reply). The value is the command text itself, so the press is handled
 * exactly as if the person had typed it — with their rights, parsed and checked again.
 */
const COMMAND_ACTIONS = ['run', 'show_sql'] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];

/** Format tag of the value: `r1|<command text>`. */
const FORMAT = 'r1|';
/** Commands on buttons are short; Slack allows 2,000 characters in a value. */
const MAX_COMMAND_TEXT = 500;

export const commandButtonSchema = z.object({
  label: z.string().max(200_000),
  action: z.enum(COMMAND_ACTIONS).default('run'),
  /** The text after `/dbx`, e.g. `cost team:finance 7d`. */
  command: z.string().min(1).max(MAX_COMMAND_TEXT),
});
export type CommandButton = z.infer<typeof commandButtonSchema>;

/** Slack `action_id`, Teams `verb`, console `data-action-id` of a command button. */
export function commandActionId(action: CommandAction): string {
  return `dbx:${action}`;
}

/** True for the action ids command buttons carry (so the handler routes them here, not to incidents). */
export function commandActionOf(actionId: string): CommandAction | undefined {
  // Slack wants action ids unique within a message, so several candidates carry `dbx:run:<n>`.
  const base = actionId.replace(/:\d{1,2}$/, '');
  return COMMAND_ACTIONS.find((a) => commandActionId(a) === base);
}

export function encodeCommandValue(command: string): string {
  return `${FORMAT}${command.slice(0, MAX_COMMAND_TEXT)}`;
}

/** The command a pressed button carries; anything else (forged, oversized) is an `Err`. */
export function decodeCommandValue(raw: string): Result<string, 'malformed'> {
  const stale = 'This button could not be read. Run the command again.';
  if (!raw.startsWith(FORMAT) || raw.length > FORMAT.length + MAX_COMMAND_TEXT)
    return err('malformed', stale);
  const command = raw.slice(FORMAT.length).trim();
  return command === '' ? err('malformed', stale) : ok(command);
}
