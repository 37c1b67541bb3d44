/**
 * Adaptive Card limits for Teams (docs/chat-platforms.md, Adaptive Card limits). Teams renders schema 1.5 at most, and
 * `Action.Execute`/`refresh` need exactly 1.5. A bot message must stay under 100 KB, but incoming
 * webhooks and Workflows cap near 28 KB — we budget for the smaller so one card works everywhere.
 */
export const TEAMS_LIMITS = {
  cardVersion: '1.5',
  /** Bytes of the serialised card JSON (UTF-8), conservative: the webhook/Workflows ceiling. */
  payloadBytes: 28_000,
  /** The hard ceiling of a bot message (UTF-16, all attachments and text together). */
  messageBytes: 100_000,
  refreshUserIds: 60,
  /**
   * Actions per action set (top level or `ActionSet`). The `adaptivecards` default host config reports
   * `TooManyActions` above 5, and Teams moves extra ones into an overflow menu; 5 keeps every button visible.
   */
  actionsPerSet: 5,
  actionTitle: 75,
  textBlock: 3000,
} as const;

/** How much of each part of a card we show before cutting; the Teams twin of `SLACK_CARD_BUDGET`. */
export const TEAMS_CARD_BUDGET = {
  title: 200,
  summary: 1500,
  errorExcerpt: 2000,
  listItems: 10,
  listItemChars: 120,
  timelineEntries: 5,
  remediations: 5,
  tableRows: 20,
  tableColumns: 8,
  cellChars: 60,
  sql: 2000,
  apiBody: 1500,
  homeIncidents: 50,
} as const;
