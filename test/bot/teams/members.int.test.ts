import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBotTokenProvider } from '../../../src/bot/teams/bot-token.js';
import { BotConnectorClient } from '../../../src/bot/teams/connector-client.js';
import { TeamsMemberDirectory } from '../../../src/bot/teams/members.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { type FakeBotConnector, startFakeBotConnector } from '../../support/fake-bot-connector.js';

const CONVERSATION = '19:d441d38c655c47a085215b2726e76927@thread.tacv2';
const AAD = '00000000-1111-2222-3333-444444444444';

describe('TeamsMemberDirectory against a fake Bot Connector', () => {
  let fake: FakeBotConnector;
  let clock: ManualClock;
  let directory: TeamsMemberDirectory;

  beforeAll(async () => {
    fake = await startFakeBotConnector();
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(() => {
    fake.reset();
    clock = new ManualClock(Date.UTC(2026, 0, 5, 9));
    const token = createBotTokenProvider({
      appId: fake.appId,
      appPassword: fake.appPassword,
      tenantId: 'fake-tenant',
      tokenUrl: fake.tokenUrl,
      clock,
    });
    directory = new TeamsMemberDirectory(
      new BotConnectorClient({ token, clock }),
      clock,
      pino({ level: 'silent' }),
    );
  });

  const activity = (memberId: string, aadObjectId: string | undefined = AAD) => ({
    serviceUrl: fake.serviceUrl('amer/fake-tenant'),
    from: { id: memberId, ...(aadObjectId === undefined ? {} : { aadObjectId }) },
    conversation: { id: `${CONVERSATION};messageid=1767326099999` },
  });

  it("gives the member's Entra mail as a verified e-mail, asking the base conversation once an hour", async () => {
    fake.addMember({
      id: '29:alice',
      aadObjectId: AAD,
      name: 'Alice Chen',
      email: 'alice@acme.example',
      userPrincipalName: 'achen@acme.onmicrosoft.example',
    });
    expect(await directory.lookup(activity('29:alice'))).toEqual({
      email: 'alice@acme.example',
      emailVerified: true,
    });
    await directory.lookup(activity('29:alice'));
    expect(fake.memberLookups).toEqual([{ conversationId: CONVERSATION, memberId: '29:alice', status: 200 }]);
    clock.advance(61 * 60_000);
    await directory.lookup(activity('29:alice'));
    expect(fake.memberLookups).toHaveLength(2);
  });

  it('falls back to the UPN for a member without a mailbox', async () => {
    fake.addMember({ id: '29:bob', aadObjectId: AAD, name: 'Bob', userPrincipalName: 'bob@acme.example' });
    expect(await directory.lookup(activity('29:bob'))).toEqual({
      email: 'bob@acme.example',
      emailVerified: true,
    });
  });

  it('gives nothing for an unknown member, an answer about someone else, or an address that is not one', async () => {
    expect(await directory.lookup(activity('29:ghost', '77777777-0000-0000-0000-000000000000'))).toEqual({});
    fake.addMember({
      id: '29:carol',
      aadObjectId: '99999999-0000-0000-0000-000000000000',
      name: 'Carol',
      email: 'carol@acme.example',
      userPrincipalName: 'carol@acme.example',
    });
    expect(await directory.lookup(activity('29:carol'))).toEqual({});
    fake.addMember({
      id: '29:dave',
      aadObjectId: '88888888-0000-0000-0000-000000000000',
      name: 'Dave',
      email: '"dave" <dave@acme.example>',
      userPrincipalName: 'not an address',
    });
    expect(await directory.lookup(activity('29:dave', '88888888-0000-0000-0000-000000000000'))).toEqual({});
  });

  it('does not ask again for five minutes after a lookup failed', async () => {
    expect(await directory.lookup(activity('29:erin'))).toEqual({});
    fake.addMember({ id: '29:erin', aadObjectId: AAD, name: 'Erin', userPrincipalName: 'erin@acme.example' });
    expect(await directory.lookup(activity('29:erin'))).toEqual({});
    expect(fake.memberLookups).toHaveLength(1);
    clock.advance(5 * 60_000 + 1);
    expect(await directory.lookup(activity('29:erin'))).toEqual({
      email: 'erin@acme.example',
      emailVerified: true,
    });
  });
});
