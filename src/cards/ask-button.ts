import { err, ok, type Result } from '../domain/result.js';
import type { AnswerCardView } from './card-views.js';

/**
 * A button on an answer card asks a question: a follow-up ("Why did orders_etl fail?") or one of the
 * candidates of an ambiguous name. Its value carries the question itself, so a press needs no stored
 * state; the handler treats it exactly like the question typed in the same conversation.
 */
export interface AskButton {
  readonly label: string;
  readonly style: 'default';
  /** `dbx:ask:<n>`: Slack wants action ids unique within a message. */
  readonly actionId: string;
  readonly value: string;
}

/** Every ask button's action id starts with this. */
export const ASK_ACTION_PREFIX = 'dbx:ask';
const FORMAT = 'q1|';
/** Slack allows 2,000 characters in a button value; questions on buttons are far shorter. */
const MAX_QUESTION = 500;

/** The buttons of an answer card, in order. */
export function askButtons(view: Pick<AnswerCardView, 'buttons'>): AskButton[] {
  return view.buttons.map((b, i) => ({
    label: b.label,
    style: 'default',
    actionId: `${ASK_ACTION_PREFIX}:${i}`,
    value: `${FORMAT}${b.question.slice(0, MAX_QUESTION)}`,
  }));
}

/** The question an ask button carries; garbled or foreign values are refused, never thrown. */
export function decodeAskValue(raw: unknown): Result<string, 'malformed'> {
  const stale = 'This button could not be read. Ask the question again.';
  if (typeof raw !== 'string' || !raw.startsWith(FORMAT)) return err('malformed', stale);
  const question = raw.slice(FORMAT.length).trim();
  if (question === '' || question.length > MAX_QUESTION) return err('malformed', stale);
  return ok(question);
}
