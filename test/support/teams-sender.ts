import { createBotTokenProvider } from '../../src/bot/teams/bot-token.js';
import { BotConnectorClient } from '../../src/bot/teams/connector-client.js';
import { MemoryConversationReferences } from '../../src/bot/teams/conversation-references.js';
import { TeamsSender } from '../../src/bot/teams/send.js';
import { TeamsSendQueue } from '../../src/bot/teams/send-queue.js';
import { createLogger } from '../../src/config/logger.js';
import type { Clock } from '../../src/domain/clock.js';
import type { FakeBotConnector } from './fake-bot-connector.js';

/** The Teams surface as the Teams adapter builds it, talking to the fake Bot Connector. */
export function teamsSenderFor(
  connector: FakeBotConnector,
  clocks: { clock: Clock; wallClock: Clock },
): TeamsSender {
  const token = createBotTokenProvider({
    appId: connector.appId,
    appPassword: connector.appPassword,
    tenantId: 'fake-tenant',
    tokenUrl: connector.tokenUrl,
    clock: clocks.wallClock,
  });
  return new TeamsSender({
    connector: new BotConnectorClient({ token, clock: clocks.wallClock }),
    queue: new TeamsSendQueue({
      clock: clocks.wallClock,
      logger: createLogger({ level: 'silent' }),
      minIntervalMs: 0,
    }),
    clock: clocks.clock,
    references: new MemoryConversationReferences(),
    defaultServiceUrl: connector.serviceUrl('teams'),
  });
}
