import type { AdaptiveCardJson } from '../../cards/teams-cards.js';
import { ADAPTIVE_CARD_CONTENT_TYPE } from './send.js';

/**
 * Bodies of the HTTP answer to an `adaptiveCard/action` invoke (teams.api `AdaptiveCardActionResponse`).
 * The invoke's HTTP 200 body *is* what the clicking user sees: a card replaces theirs, a message shows
 * briefly under it.
 */
export type CardActionResponseBody =
  | { statusCode: 200; type: typeof ADAPTIVE_CARD_CONTENT_TYPE; value: AdaptiveCardJson }
  | { statusCode: 200; type: 'application/vnd.microsoft.activity.message'; value: string }
  | {
      statusCode: 400 | 500;
      type: 'application/vnd.microsoft.error';
      value: { code: string; message: string };
    };

/** Replaces the card for the user who clicked (the PUT that follows updates it for everyone). */
export function cardResponse(card: AdaptiveCardJson): CardActionResponseBody {
  return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card };
}

/** Shows `text` to the user who clicked; the card stays as it was. */
export function messageResponse(text: string): CardActionResponseBody {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text.slice(0, 2_000) };
}

/** An error the client shows instead of applying the action. */
export function errorResponse(statusCode: 400 | 500, code: string, message: string): CardActionResponseBody {
  return { statusCode, type: 'application/vnd.microsoft.error', value: { code, message } };
}
