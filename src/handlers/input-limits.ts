import type { z } from 'zod';

/**
 * How much text dbxops reads from one request, on every surface, and what a person is told when theirs
 * is over it. Slack, Teams and the console each enforce these in their own parsing; the answer is the
 * same wherever the request came from.
 */

/** Longest `/dbx` command or message read (Slack's own cap on a message's text). */
export const MAX_COMMAND_CHARS = 40_000;
/** Longest button value read: dbxops' own values are far shorter, and Slack caps a button's at 2,000. */
export const MAX_BUTTON_VALUE_CHARS = 2_000;

/** Longest "what fixed it" a person may record: a sentence or two, shown on the next incident's card. */
export const MAX_FIX_CHARS = 500;

/** What was too long: the text of a command or message, or the value a button carried. */
export type OversizedInput = 'command' | 'button';

/** The answer to a request over a limit: what was wrong, and that nothing was done. */
export function oversizedInputText(what: OversizedInput): string {
  return what === 'command'
    ? `That /dbx command is too long to be one (over ${MAX_COMMAND_CHARS.toLocaleString('en-US')} characters), so I did not run it. Shorten it and try again.`
    : `That button carries a value longer than a dbxops button ever does (over ${MAX_BUTTON_VALUE_CHARS.toLocaleString('en-US')} characters), so I did not act on it.`;
}

/**
 * The answer when a request failed parsing because its command text or button value is too long
 * (a zod `too_big` on a field named `text` or `value`); undefined for any other fault.
 */
export function oversizedInputRefusal(error: z.ZodError, what: OversizedInput): string | undefined {
  const issue = error.issues[0];
  const field = String(issue?.path.at(-1) ?? '');
  if (issue?.code !== 'too_big') return undefined;
  if (what === 'command' ? field !== 'text' : field !== 'value') return undefined;
  return oversizedInputText(what);
}
