import type { Answer } from '../agents/analyst/analyst.js';
import { describePeriod } from '../agents/analyst/time-words.js';
import type { CardViewInput } from '../cards/card-views.js';

type SqlValue = Answer['rows'][number][number];

/** A cell as cards carry it: arrays, maps and structs as their JSON text. */
const cell = (value: SqlValue): string | number | boolean | null =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? value
    : JSON.stringify(value);

/**
 * An analyst's answer as the answer card: the one-line summary, the top rows, the SQL ("Show SQL"),
 * the period it covers in the workspace's time zone, and the follow-ups (or candidates) as buttons.
 */
export function answerCardView(answer: Answer, timeZone: string): CardViewInput {
  return {
    kind: 'answer',
    question: answer.question,
    answer: answer.summary,
    table:
      answer.columns.length === 0
        ? null
        : {
            columns: [...answer.columns],
            rows: answer.rows.map((r) => r.map(cell)),
            totalRows: answer.rows.length,
          },
    sql: answer.sql,
    freshness: answer.period === null ? null : `Covers ${describePeriod(answer.period, timeZone)}.`,
    // A button carries its question; one too long for a button value (a long question with a
    // candidate name put in) is left off rather than cut into another question.
    buttons: answer.followUps
      .filter((f) => f.question.length <= 500)
      .slice(0, 10)
      .map((f) => ({ label: f.label.slice(0, 200), question: f.question })),
  };
}
