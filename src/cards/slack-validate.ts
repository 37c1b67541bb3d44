import { SLACK_LIMITS } from './slack-limits.js';

/** One way a message breaks a Block Kit rule; `path` points at the offending field. */
export interface SlackProblem {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

// The only entities we ever emit are links; anything else in angle brackets (a `<!channel>`, a user
// mention) must have come from untrusted text and would ping or render as a link.
const LINK_ENTITY = /<(https?:\/\/|mailto:)[^\s<>|]+(\|[^<>]*)?>/g;
const MENTION_ENTITY = /<[!@#][^<>]*>/;

/**
 * Checks a Slack message against the limits table in `slack-limits.ts` before it is sent: block
 * count, text lengths, button values, unique ids, and that mrkdwn holds only escaped `&`, `<`, `>`
 * and link entities. Returns [] when Slack will accept it.
 */
export function validateSlackMessage(
  message: { text?: unknown; blocks?: unknown },
  options: { surface?: 'message' | 'home' } = {},
): SlackProblem[] {
  const problems: SlackProblem[] = [];
  const add = (path: string, rule: string, msg: string) => problems.push({ path, rule, message: msg });
  const maxBlocks =
    options.surface === 'home' ? SLACK_LIMITS.blocksPerHomeOrModal : SLACK_LIMITS.blocksPerMessage;

  if (typeof message.text !== 'string' || message.text.length === 0)
    add('text', 'text_required', 'set a fallback text');
  else if (message.text.length > SLACK_LIMITS.messageText)
    add('text', 'text_length', 'fallback text too long');
  else checkMrkdwn('text', message.text, add);

  if (!Array.isArray(message.blocks)) {
    add('blocks', 'blocks_type', 'blocks must be an array');
    return problems;
  }
  const blocks = message.blocks as Array<Record<string, unknown>>;
  if (blocks.length > maxBlocks)
    add('blocks', 'block_count', `${blocks.length} blocks, at most ${maxBlocks}`);
  if (JSON.stringify(blocks).length > SLACK_LIMITS.totalBlocksChars) {
    add(
      'blocks',
      'total_size',
      `blocks exceed ${SLACK_LIMITS.totalBlocksChars} characters (msg_blocks_too_long)`,
    );
  }

  const blockIds = new Set<string>();
  const actionIds = new Set<string>();
  blocks.forEach((block, i) => {
    const at = `blocks[${i}]`;
    const id = block.block_id;
    if (id !== undefined) {
      if (typeof id !== 'string' || id.length === 0 || id.length > SLACK_LIMITS.blockId) {
        add(`${at}.block_id`, 'block_id_length', 'block_id must be 1–255 characters');
      } else if (blockIds.has(id)) add(`${at}.block_id`, 'block_id_unique', `duplicate block_id ${id}`);
      else blockIds.add(id);
    }
    switch (block.type) {
      case 'header':
        checkText(`${at}.text`, block.text, SLACK_LIMITS.headerText, add, 'plain_text');
        break;
      case 'section': {
        const fields = block.fields;
        if (block.text === undefined && !Array.isArray(fields))
          add(at, 'section_empty', 'a section needs text or fields');
        if (block.text !== undefined) checkText(`${at}.text`, block.text, SLACK_LIMITS.sectionText, add);
        if (Array.isArray(fields)) {
          if (fields.length > SLACK_LIMITS.sectionFields)
            add(`${at}.fields`, 'fields_count', `${fields.length} fields, at most 10`);
          for (const [j, f] of fields.entries()) {
            checkText(`${at}.fields[${j}]`, f, SLACK_LIMITS.sectionFieldText, add);
          }
        }
        break;
      }
      case 'context': {
        const els = Array.isArray(block.elements) ? block.elements : [];
        if (els.length === 0 || els.length > SLACK_LIMITS.contextElements) {
          add(`${at}.elements`, 'context_count', 'context needs 1–10 elements');
        }
        for (const [j, el] of els.entries())
          checkText(`${at}.elements[${j}]`, el, SLACK_LIMITS.textObject, add);
        break;
      }
      case 'actions': {
        const els = Array.isArray(block.elements) ? (block.elements as Array<Record<string, unknown>>) : [];
        if (els.length === 0 || els.length > SLACK_LIMITS.actionsElements) {
          add(`${at}.elements`, 'actions_count', 'actions need 1–25 elements');
        }
        els.forEach((el, j) => {
          const p = `${at}.elements[${j}]`;
          const aid = el.action_id;
          if (typeof aid !== 'string' || aid.length === 0 || aid.length > SLACK_LIMITS.actionId) {
            add(`${p}.action_id`, 'action_id_length', 'action_id must be 1–255 characters');
          } else if (actionIds.has(aid))
            add(`${p}.action_id`, 'action_id_unique', `duplicate action_id ${aid}`);
          else actionIds.add(aid);
          if (el.type === 'button') {
            checkText(`${p}.text`, el.text, SLACK_LIMITS.buttonText, add, 'plain_text');
            if (
              el.value !== undefined &&
              (typeof el.value !== 'string' || el.value.length > SLACK_LIMITS.buttonValue)
            ) {
              add(`${p}.value`, 'button_value_length', 'button value must be at most 2000 characters');
            }
            if (
              el.url !== undefined &&
              (typeof el.url !== 'string' || el.url.length > SLACK_LIMITS.buttonUrl)
            ) {
              add(`${p}.url`, 'button_url_length', 'button url must be at most 3000 characters');
            }
            if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') {
              add(`${p}.style`, 'button_style', 'style must be primary or danger');
            }
          }
        });
        break;
      }
      case 'divider':
        break;
      default:
        add(`${at}.type`, 'block_type', `unexpected block type ${String(block.type)}`);
    }
  });
  return problems;
}

type Add = (path: string, rule: string, message: string) => void;

function checkText(path: string, obj: unknown, max: number, add: Add, only?: 'plain_text'): void {
  const t = obj as { type?: unknown; text?: unknown } | undefined;
  if (t === undefined || (t.type !== 'plain_text' && t.type !== 'mrkdwn')) {
    add(path, 'text_object', 'expected a text object');
    return;
  }
  if (only !== undefined && t.type !== only) add(path, 'text_type', `must be ${only}`);
  if (typeof t.text !== 'string' || t.text.length === 0) add(path, 'text_empty', 'text must not be empty');
  else if (t.text.length > max) add(path, 'text_length', `${t.text.length} characters, at most ${max}`);
  else if (t.type === 'mrkdwn') checkMrkdwn(path, t.text, add);
  else if (/@(here|channel|everyone)\b/i.test(t.text))
    add(path, 'mention', 'plain text carries a bare @-mention');
}

function checkMrkdwn(path: string, text: string, add: Add): void {
  if (MENTION_ENTITY.test(text)) add(path, 'mention', 'mrkdwn carries a mention or channel ping entity');
  const rest = text.replace(LINK_ENTITY, '');
  if (/[<>]/.test(rest)) add(path, 'mrkdwn_escape', 'unescaped < or > outside a link');
  if (/&(?!amp;|lt;|gt;)/.test(rest)) add(path, 'mrkdwn_escape', 'unescaped &');
  if (/@(here|channel|everyone)\b/i.test(rest)) add(path, 'mention', 'mrkdwn carries a bare @-mention');
}
