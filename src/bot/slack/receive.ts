import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type App,
  type Logger as BoltLogger,
  HTTPModuleFunctions,
  HTTPResponseAck,
  type Receiver,
  type ReceiverEvent,
} from '@slack/bolt';
import type { Clock } from '../../domain/clock.js';
import { ReplayGuard, verifySlackSignature } from './verify.js';

export interface SlackHttpReceiverOptions {
  readonly signingSecret: string;
  /** The wall clock: Slack signs with real time, whatever time the workspace is at. */
  readonly clock: Clock;
  readonly logger: BoltLogger;
  /** Largest body accepted (default 1 MB; Slack's payloads are far smaller). */
  readonly bodyLimitBytes?: number;
  /** Wait for listeners before answering (tests, FaaS). Default false: answer at `ack()`, as Slack's 3 s rule needs. */
  readonly processBeforeResponse?: boolean;
}

/**
 * A Bolt receiver whose `listener` is mounted on dbxops' own HTTP server at `/slack/events`. It keeps
 * Bolt's HMAC check and ack semantics (`HTTPResponseAck`), and adds what Bolt's `HTTPReceiver` lacks:
 * an injected clock, refusal of future timestamps, and refusal of the same signed request twice.
 */
export class SlackHttpReceiver implements Receiver {
  #app: App | undefined;
  readonly #options: SlackHttpReceiverOptions;
  readonly #replays = new ReplayGuard();

  constructor(options: SlackHttpReceiverOptions) {
    this.#options = options;
  }

  init(app: App): void {
    this.#app = app;
  }

  /** Our HTTP server is started by `dbxops start`; nothing to open here. */
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** The `node:http` request listener for `POST /slack/events`. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.#handle(req, res).catch((error: unknown) => {
      this.#options.logger.error(`Slack request failed: ${String(error)}`);
      if (!res.headersSent) HTTPModuleFunctions.buildNoBodyResponse(res, 500);
    });
  };

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { logger, clock } = this.#options;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    let buffered: Awaited<ReturnType<typeof HTTPModuleFunctions.bufferIncomingMessage>>;
    try {
      buffered = await HTTPModuleFunctions.bufferIncomingMessage(
        req,
        this.#options.bodyLimitBytes ?? 1_048_576,
      );
    } catch (error) {
      const tooLarge = HTTPModuleFunctions.isRawBodyError(error) && error.statusCode === 413;
      logger.warn(`Slack request body refused: ${String(error)}`);
      HTTPModuleFunctions.buildNoBodyResponse(res, tooLarge ? 413 : 400);
      return;
    }
    const rawBody = buffered.rawBody.toString('utf8');
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const now = clock.now();
    const verified = verifySlackSignature(
      this.#options.signingSecret,
      { rawBody, signature: header('x-slack-signature'), timestamp: header('x-slack-request-timestamp') },
      now,
    );
    if (!verified.ok) {
      logger.warn(`Slack request refused (${verified.reason})`);
      HTTPModuleFunctions.buildNoBodyResponse(res, 401);
      return;
    }
    // The same signature twice is a captured request sent again: refused. Should Slack itself ever resend
    // a delivery byte for byte, it marks it with X-Slack-Retry-Num; that gets a 200 so Slack stops
    // retrying, and still no second effect.
    if (!this.#replays.firstSeen(header('x-slack-signature') ?? '', now)) {
      const slackRetry = header('x-slack-retry-num') !== undefined;
      logger.warn(
        `Slack request refused (replayed signature${slackRetry ? ', marked as a Slack retry' : ''})`,
      );
      HTTPModuleFunctions.buildNoBodyResponse(res, slackRetry ? 200 : 401);
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = HTTPModuleFunctions.parseHTTPRequestBody(buffered) as Record<string, unknown>;
      if (typeof body !== 'object' || body === null) throw new Error('body is not an object');
    } catch (error) {
      logger.warn(`Malformed Slack request body: ${String(error)}`);
      HTTPModuleFunctions.buildNoBodyResponse(res, 400);
      return;
    }
    if (body.ssl_check === '1') {
      HTTPModuleFunctions.buildSSLCheckResponse(res);
      return;
    }
    if (body.type === 'url_verification') {
      HTTPModuleFunctions.buildUrlVerificationResponse(res, body);
      return;
    }
    const ack = new HTTPResponseAck({
      logger,
      processBeforeResponse: this.#options.processBeforeResponse ?? false,
      httpRequest: buffered,
      httpRequestBody: body,
      httpResponse: res,
    });
    const event: ReceiverEvent = {
      body,
      ack: ack.bind(),
      ...retryHeaders(req),
    };
    try {
      await this.#app?.processEvent(event);
      if (ack.storedResponse !== undefined) HTTPModuleFunctions.buildContentResponse(res, ack.storedResponse);
    } catch (error) {
      logger.error(`Slack listener failed: ${String(error)}`);
      if (!res.headersSent) ack.ack();
    }
  }
}

function retryHeaders(req: IncomingMessage): Pick<ReceiverEvent, 'retryNum' | 'retryReason'> {
  const num = HTTPModuleFunctions.extractRetryNumFromHTTPRequest(req);
  const reason = HTTPModuleFunctions.extractRetryReasonFromHTTPRequest(req);
  return {
    ...(num === undefined ? {} : { retryNum: num }),
    ...(reason === undefined ? {} : { retryReason: reason }),
  };
}
