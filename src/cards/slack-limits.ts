/**
 * Block Kit limits the renderers obey, from the Block Kit reference and `@slack/types` 3.x JSDoc
 * (docs/chat-platforms.md, Block Kit limits). Lengths are UTF-16 units. Slack answers `invalid_blocks` or
 * `msg_blocks_too_long` when one is exceeded, and the card is lost — so we cut instead.
 */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerHomeOrModal: 100,
  blockId: 255,
  actionId: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  textObject: 3000,
  plainTextLabel: 150,
  /** Top-level `text` is cut by Slack after this; with blocks it is only the notification fallback. */
  messageText: 40_000,
  /**
   * Undocumented: messages whose blocks total about 13k characters fail with `msg_blocks_too_long`
   * although every block is within its own limit (slackapi/bolt-js#2509). We stay well under it.
   */
  totalBlocksChars: 12_000,
} as const;

/** How much of each part of a card we show before cutting; chosen so a full card fits the limits above. */
export const SLACK_CARD_BUDGET = {
  title: 140,
  summary: 1200,
  errorExcerpt: 1500,
  listItems: 8,
  listItemChars: 120,
  timelineEntries: 5,
  remediations: 5,
  tableRows: 15,
  tableColumns: 8,
  cellChars: 40,
  sql: 1500,
  apiBody: 1200,
  homeIncidents: 40,
} as const;
