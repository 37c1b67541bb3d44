import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeButtonValue } from '../../../src/cards/button-value.js';
import { incidentButtons } from '../../../src/cards/incident-buttons.js';
import type { CardView, IncidentCardView } from '../../../src/cards/card-views.js';
import type { Store } from '../../../src/store/open-store.js';
import { type ConsoleHarness, openConsoleStore, startConsole } from './console-harness.js';
import { openEventStream } from './sse-client.js';

interface MessageJson {
  id: string;
  channelId: string;
  author: string;
  html: string;
  replies: { id: string; author: string; html: string }[];
  repliesDropped: number;
}
interface Outcome {
  ok: boolean;
  reason?: string;
  ephemeral: { html: string }[];
}

let store: Store;
let h: ConsoleHarness;
beforeAll(async () => {
  store = await openConsoleStore();
});
afterAll(async () => {
  await store?.close();
});
beforeEach(async () => {
  h = await startConsole(store);
});
afterEach(async () => {
  await h.close();
});

let seq = 0;
const rid = () => `req-${Date.now()}-${++seq}-abcdef`;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${h.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function send(
  text: string,
  channelId = 'incidents',
  headers: Record<string, string> = {},
): Promise<Outcome> {
  const res = await post('/api/composer', { channelId, text, requestId: rid() }, headers);
  expect(res.status).toBe(200);
  return (await res.json()) as Outcome;
}

async function messages(channelId = 'incidents'): Promise<MessageJson[]> {
  const res = await fetch(`${h.baseUrl}/api/channels/${channelId}/messages`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: MessageJson[] }).messages;
}

function ackButton(view: IncidentCardView) {
  const ack = incidentButtons(view).standard.find((b) => b.payload.action === 'ack');
  if (ack === undefined) throw new Error('no ack button');
  return ack;
}

async function press(
  messageId: string,
  actionId: string,
  value: string,
  requestId = rid(),
): Promise<Outcome> {
  const res = await post('/api/actions', { channelId: 'incidents', messageId, actionId, value, requestId });
  expect(res.status).toBe(200);
  return (await res.json()) as Outcome;
}

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe('the console page', () => {
  it('serves the page with a strict Content-Security-Policy and no inline script', async () => {
    const res = await fetch(`${h.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).toContain('<script src="/console.js" defer></script>');
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });

  it('serves its script, stylesheet and icon, and answers anything else with a JSON 404', async () => {
    for (const [path, type] of [
      ['/console.js', 'text/javascript'],
      ['/console.css', 'text/css'],
      ['/favicon.svg', 'image/svg+xml'],
    ] as const) {
      const res = await fetch(`${h.baseUrl}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const missing = await fetch(`${h.baseUrl}/../../etc/passwd`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });

  it('acts as the local operator whatever the query string or cookies name', async () => {
    const res = await fetch(`${h.baseUrl}/?user=alice`);
    expect(res.headers.get('set-cookie')).toBeNull();
    const channels = await fetch(`${h.baseUrl}/api/channels?user=alice`, {
      headers: { cookie: 'dbxops_user=alice' },
    });
    expect(await channels.json()).toMatchObject({ user: 'you', auth: 'local' });
  });
});

describe('channels and cards', () => {
  it('lists #incidents, #finops, #digest and the DM with the bot for the default user', async () => {
    const res = await fetch(`${h.baseUrl}/api/channels`);
    const body = (await res.json()) as {
      user: string;
      channels: { id: string; name: string; kind: string }[];
    };
    expect(body.user).toBe('you');
    expect(body.channels.map((c) => [c.name, c.kind])).toEqual([
      ['#incidents', 'channel'],
      ['#finops', 'channel'],
      ['#digest', 'channel'],
      ['dbxops', 'direct'],
    ]);
  });

  it('shows an incident card the notifier posted, with working buttons', async () => {
    const { view, ref } = await h.postIncident();
    expect(ref).toMatchObject({ surface: 'console', channelId: 'incidents' });
    const [card] = await messages();
    expect(card?.id).toBe(ref.messageId);
    expect(card?.author).toBe('dbxops');
    expect(card?.html).toContain(`data-incident-id="${view.incidentId}"`);
    expect(card?.html).toContain(`data-action-id="dbx:ack"`);
    expect(text(card?.html ?? '')).toContain('SLA in 45 min');
  });

  it('re-renders cards when read, so the SLA countdown is current', async () => {
    await h.postIncident();
    h.clock.advance(30 * 60_000);
    const [card] = await messages();
    expect(text(card?.html ?? '')).toContain('SLA in 15 min');
  });

  it('adds a channel a routing rule names instead of losing the card', async () => {
    const { view } = await h.postIncident();
    const ref = await h.adapter.surface.postCard({ channelId: '#Data-Platform' }, view);
    expect(ref.channelId).toBe('data-platform');
    expect(await messages('data-platform')).toHaveLength(1);
  });

  it('shows a notice said at every start, and by a second web process, once', async () => {
    const notice: CardView = {
      kind: 'message',
      tone: 'warning',
      title: 'Not posted on teams',
      text: 'No Teams conversation for #incidents.',
      fields: [],
    };
    await h.adapter.postNotice('incidents', notice);
    await h.adapter.postNotice('incidents', notice);
    const second = await startConsole(store, { keepHistory: true });
    try {
      await second.adapter.postNotice('incidents', notice);
      await second.adapter.postNotice('incidents', { ...notice, text: 'No Teams conversation for #finops.' });
    } finally {
      await second.close();
    }
    const notes = (await messages()).filter((m) => m.html.includes('Not posted on teams'));
    expect(notes.map((m) => m.html.includes('#finops'))).toEqual([false, true]);
  });

  it('keeps the last messages of a channel and drops the oldest', async () => {
    const small = await startConsole(store, { maxMessagesPerChannel: 5 });
    try {
      const refs = [];
      for (let i = 0; i < 8; i++) {
        refs.push(
          await small.adapter.surface.postCard(
            { channelId: '#digest' },
            { kind: 'message', tone: 'info', title: null, text: `digest ${i}`, fields: [] },
          ),
        );
      }
      const res = await fetch(`${small.baseUrl}/api/channels/digest/messages`);
      const list = ((await res.json()) as { messages: MessageJson[] }).messages;
      expect(list.map((m) => text(m.html).trim())).toEqual([
        'digest 3',
        'digest 4',
        'digest 5',
        'digest 6',
        'digest 7',
      ]);
      // A dropped card is not updated; a note for it lands in its channel instead of being lost.
      await small.adapter.surface.updateCard(refs[0]!, {
        kind: 'message',
        tone: 'info',
        title: null,
        text: 'x',
        fields: [],
      });
      await small.adapter.surface.postThreadNote(refs[0]!, 'late note');
      const after = (
        (await (await fetch(`${small.baseUrl}/api/channels/digest/messages`)).json()) as {
          messages: MessageJson[];
        }
      ).messages;
      expect(after.map((m) => text(m.html).trim())).toEqual([
        'digest 4',
        'digest 5',
        'digest 6',
        'digest 7',
        'late note',
      ]);
    } finally {
      await small.close();
    }
  });
});

describe('buttons', () => {
  it('acknowledges an incident: the card changes in place and the thread says who did it', async () => {
    const { view, ref } = await h.postIncident();
    const ack = ackButton(view);
    const out = await press(ref.messageId, ack.actionId, ack.value);
    expect(out).toEqual({ ok: true, ephemeral: [] });
    const list = await messages();
    expect(list).toHaveLength(1);
    const card = list[0]!;
    expect(text(card.html)).toContain('Status Acknowledged');
    expect(text(card.html)).toContain('Acknowledged by you');
    expect(card.html).not.toContain('data-action-id="dbx:ack"');
    expect(card.replies.map((r) => text(r.html).trim())).toEqual(['Acknowledged by you']);
  });

  it('names the person the sign-in proxy vouches for on the card', async () => {
    await h.close();
    h = await startConsole(store, {
      auth: { kind: 'header', header: 'x-forwarded-email', trustedProxies: ['127.0.0.1', '::1'] },
    });
    const { view, ref } = await h.postIncident();
    const ack = ackButton(view);
    const res = await post(
      '/api/actions',
      {
        channelId: 'incidents',
        messageId: ref.messageId,
        actionId: ack.actionId,
        value: ack.value,
        requestId: rid(),
      },
      { 'x-forwarded-email': 'maria.k@example.com', cookie: 'dbxops_user=mallory' },
    );
    expect(res.status).toBe(200);
    const card = await fetch(`${h.baseUrl}/api/channels/incidents/messages`, {
      headers: { 'x-forwarded-email': 'maria.k@example.com' },
    });
    const [first] = ((await card.json()) as { messages: MessageJson[] }).messages;
    expect(text(first?.html ?? '')).toContain('Acknowledged by maria.k@example.com');
  });

  it('gives a double click one effect', async () => {
    const { view, ref } = await h.postIncident();
    const ack = ackButton(view);
    const outs = await Promise.all([
      press(ref.messageId, ack.actionId, ack.value),
      press(ref.messageId, ack.actionId, ack.value),
    ]);
    expect(outs.filter((o) => o.ok && o.ephemeral.length === 0)).toHaveLength(1);
    const [card] = await messages();
    expect(card?.replies).toHaveLength(1);
    expect((await h.repos.incidents.get(view.incidentId))?.version).toBe(view.version + 1);
  });

  it('answers the same click delivered twice as a duplicate', async () => {
    const { view, ref } = await h.postIncident();
    const ack = ackButton(view);
    const id = rid();
    await press(ref.messageId, ack.actionId, ack.value, id);
    const again = await press(ref.messageId, ack.actionId, ack.value, id);
    expect(again).toMatchObject({ ok: false, reason: 'duplicate' });
    expect((await messages())[0]?.replies).toHaveLength(1);
  });

  it('explains, only to the clicker, that an incident no longer exists', async () => {
    const { view } = await h.postIncident();
    const gone = { ...view, incidentId: 'inc_gone' };
    const ref = await h.adapter.surface.postCard({ channelId: '#incidents' }, gone);
    const ack = ackButton(gone);
    const out = await press(ref.messageId, ack.actionId, ack.value);
    expect(out.ok).toBe(false);
    expect(out.reason).toBe('not_found');
    expect(text(out.ephemeral[0]?.html ?? '')).toContain('Incident inc_gone no longer exists');
    expect((await messages()).every((m) => m.replies.length === 0)).toBe(true);
  });

  it('refuses a tampered button value with a request to refresh', async () => {
    const { ref } = await h.postIncident();
    const out = await press(ref.messageId, 'dbx:ack', 'd1|i|ack|inc_x|1|<script>');
    expect(out).toMatchObject({ ok: false, reason: 'invalid_request' });
    expect(text(out.ephemeral[0]?.html ?? '')).toContain('Refresh the card');
  });

  it("refuses a button naming another incident than its card's, and changes neither", async () => {
    const a = await h.postIncident();
    const b = await h.postIncident();
    const forBOnA = encodeButtonValue({
      kind: 'incident',
      action: 'ack',
      incidentId: b.view.incidentId,
      version: 1,
    });
    const out = await press(a.ref.messageId, 'dbx:ack', forBOnA);
    expect(out).toMatchObject({ ok: false, reason: 'invalid_request' });
    expect(text(out.ephemeral[0]?.html ?? '')).toContain('does not belong to the card');
    expect((await h.repos.incidents.get(b.view.incidentId))?.state).toBe('open');
    expect((await h.repos.incidents.get(a.view.incidentId))?.state).toBe('open');
    // B's card still answers B's own button.
    const own = await press(b.ref.messageId, 'dbx:ack', forBOnA);
    expect(own.ok).toBe(true);
    expect((await h.repos.incidents.get(b.view.incidentId))?.state).toBe('acknowledged');
    const cardA = (await messages()).find((m) => m.id === a.ref.messageId);
    expect(text(cardA?.html ?? '')).not.toContain('Acknowledged by');
  });

  it('posts a remediation plan into the card thread', async () => {
    const { view, ref } = await h.postIncident();
    const value = encodeButtonValue({
      kind: 'incident',
      action: 'remediate',
      incidentId: view.incidentId,
      version: 1,
      remediationId: 'rerun',
    });
    const out = await press(ref.messageId, 'dbx:remediate:rerun', value);
    expect(out.ok).toBe(true);
    const [card] = await messages();
    // Either the plan card or the reason it cannot be planned reaches the clicker.
    expect((card?.replies.length ?? 0) + out.ephemeral.length).toBeGreaterThan(0);
  });
});

describe('the composer', () => {
  it('answers /dbx help with the help text, only to the sender', async () => {
    const out = await send('/dbx help');
    expect(out.ok).toBe(true);
    expect(text(out.ephemeral[0]?.html ?? '')).toContain('/dbx ack <incident id>');
    expect(await messages()).toHaveLength(0);
  });

  it('answers an unknown subcommand with the help text', async () => {
    const out = await send('/dbx frobnicate now');
    expect(out).toMatchObject({ ok: false, reason: 'unknown_command' });
    expect(text(out.ephemeral[0]?.html ?? '')).toContain('/dbx help');
  });

  it('answers a slash command other than /dbx with the help text', async () => {
    const out = await send('/giphy cats');
    expect(out).toMatchObject({ ok: false, reason: 'unknown_command' });
    expect(text(out.ephemeral[0]?.html ?? '')).toContain('/giphy is not one');
  });

  it('acknowledges with /dbx ack <id> and updates the posted card', async () => {
    const { view } = await h.postIncident();
    const out = await send(`/dbx ack ${view.incidentId}`);
    expect(out.ok).toBe(true);
    expect(text((await messages())[0]?.html ?? '')).toContain('Acknowledged by you');
  });

  it('lists open incidents for /dbx incidents', async () => {
    const { view } = await h.postIncident({ team: 'orders-team' });
    const out = await send('/dbx incidents orders-team');
    expect(out.ephemeral[0]?.html).toContain(view.incidentId);
  });

  it('shows a question to the channel and answers it in its thread', async () => {
    const out = await send('why is the orders job failing?');
    expect(out.ok).toBe(true);
    const [question] = await messages();
    expect(question?.author).toBe('you');
    expect(text(question?.html ?? '')).toContain('why is the orders job failing?');
    expect(question?.replies[0]?.author).toBe('dbxops');
  });

  it('also takes composer posts at /api/messages when Teams is not mounted in front', async () => {
    const res = await post('/api/messages', { channelId: 'incidents', text: '/dbx help', requestId: rid() });
    expect(((await res.json()) as Outcome).ok).toBe(true);
  });

  it('shows a resent question once', async () => {
    const body = { channelId: 'incidents', text: 'is anything broken?', requestId: rid() };
    await post('/api/messages', body);
    const again = (await (await post('/api/messages', body)).json()) as Outcome;
    expect(again.reason).toBe('duplicate');
    expect(await messages()).toHaveLength(1);
  });

  it('escapes what people type', async () => {
    await send('<img src=x onerror=alert(1)> & <script>alert(2)</script>');
    const [m] = await messages();
    expect(m?.html).not.toContain('<img');
    expect(m?.html).not.toContain('<script>');
    expect(m?.html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &lt;script&gt;');
  });

  it('answers questions in the DM without a thread', async () => {
    await send('hello', 'dm');
    const list = await messages('dm');
    expect(list.map((m) => m.author)).toEqual(['you', 'dbxops']);
  });

  it('shows the open incidents on the home view', async () => {
    const { view } = await h.postIncident();
    const res = await fetch(`${h.baseUrl}/api/home`);
    const out = (await res.json()) as Outcome;
    expect(out.ephemeral[0]?.html).toContain(view.incidentId);
  });
});

describe('live updates', () => {
  it('streams new cards, in-place updates and thread notes', async () => {
    const stream = await openEventStream(`${h.baseUrl}/api/events`);
    try {
      expect(stream.status).toBe(200);
      const { view, ref } = await h.postIncident();
      const posted = (await stream.next('message')) as { channelId: string; message: MessageJson };
      expect(posted.channelId).toBe('incidents');
      expect(posted.message.id).toBe(ref.messageId);
      const ack = ackButton(view);
      await press(ref.messageId, ack.actionId, ack.value);
      const updated = (await stream.next('update')) as { message: MessageJson };
      expect(updated.message.id).toBe(ref.messageId);
      expect(text(updated.message.html)).toContain('Acknowledged by you');
      const note = (await stream.next('reply')) as { parentId: string; reply: { html: string } };
      expect(note.parentId).toBe(ref.messageId);
      expect(text(note.reply.html)).toContain('Acknowledged by you');
    } finally {
      stream.close();
    }
  });

  it('refuses more open pages than the limit with 503', async () => {
    const limited = await startConsole(store, { maxStreams: 1 });
    const first = await openEventStream(`${limited.baseUrl}/api/events`);
    const second = await openEventStream(`${limited.baseUrl}/api/events`);
    try {
      expect(first.status).toBe(200);
      expect(second.status).toBe(503);
    } finally {
      first.close();
      second.close();
      await limited.close();
    }
  });
});

describe('bad input', () => {
  it('answers malformed JSON with 400', async () => {
    const res = await post('/api/messages', '{"channelId": "incidents", ');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'malformed_json' });
  });

  it('answers a body of the wrong shape with 400 and what was wrong', async () => {
    for (const body of [
      null,
      [],
      { channelId: 'incidents', text: '', requestId: rid() },
      { channelId: 'incidents', text: 'x'.repeat(40_001), requestId: rid() },
      { channelId: 'incidents', text: 'hi', requestId: 'short' },
      { channelId: 'incidents', text: 'hi', requestId: rid(), extra: true },
      { channelId: '../etc', text: 'hi', requestId: rid() },
      { channelId: 'incidents', text: 42, requestId: rid() },
    ]) {
      const res = await post('/api/messages', body);
      expect(res.status, JSON.stringify(body)?.slice(0, 80)).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    }
    const button = await post('/api/actions', {
      channelId: 'incidents',
      messageId: 'nope',
      actionId: 'dbx:ack',
      value: 'v',
      requestId: rid(),
    });
    expect(button.status).toBe(400);
  });

  it('answers a body over 64 KB with 413', async () => {
    const res = await post('/api/messages', {
      channelId: 'incidents',
      text: 'x'.repeat(70_000),
      requestId: rid(),
    });
    expect(res.status).toBe(413);
  });

  it('tells the sender why a 100 KB /dbx command was not run, and runs nothing', async () => {
    const { view } = await h.postIncident();
    const res = await post('/api/composer', {
      channelId: 'incidents',
      text: `/dbx ack ${view.incidentId} ${'x'.repeat(100_000)}`,
      requestId: rid(),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toMatch(/too long.*40,000 characters/);
    expect(text((await messages())[0]?.html ?? '')).not.toContain('Acknowledged by');
  });

  it('says a /dbx command just over 40,000 characters is too long, as Slack and Teams do', async () => {
    const res = await post('/api/composer', {
      channelId: 'incidents',
      text: `/dbx help ${'x'.repeat(40_000)}`,
      requestId: rid(),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'invalid_request',
      message: expect.stringMatching(/too long.*did not run/),
    });
  });

  it('says a 2,001-character button value is too long, echoes none of it, and changes nothing', async () => {
    const { ref } = await h.postIncident();
    const body = {
      channelId: 'incidents',
      messageId: ref.messageId,
      actionId: 'dbx:ack',
      value: `<img src=x onerror=alert(1)>${'v'.repeat(2_001)}`,
      requestId: rid(),
    };
    for (const delivery of [1, 2]) {
      const res = await post('/api/actions', body);
      expect(res.status, `delivery ${delivery}`).toBe(400);
      const answer = (await res.json()) as { message: string };
      expect(answer.message).toMatch(/over 2,000 characters.*did not act/);
      expect(answer.message).not.toContain('<img');
    }
    expect(text((await messages())[0]?.html ?? '')).not.toContain('Acknowledged by');
  });

  it('answers a chunked body over 64 KB with 413', async () => {
    const url = new URL(`${h.baseUrl}/api/messages`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(8_192));
      req.end();
    });
    expect(status).toBe(413);
  });

  it('answers an unknown channel with 404', async () => {
    expect((await fetch(`${h.baseUrl}/api/channels/nope/messages`)).status).toBe(404);
    expect((await fetch(`${h.baseUrl}/api/channels/%E0%A4%A/messages`)).status).toBe(404);
    const res = await post('/api/messages', { channelId: 'nope', text: 'hi', requestId: rid() });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'unknown_channel' });
  });

  it('refuses other content types, other sites and other host names', async () => {
    const form = await fetch(`${h.baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(415);
    const cross = await post('/api/actions', { channelId: 'incidents' }, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    const url = new URL(h.baseUrl);
    const rebound = await new Promise<number>((resolve, reject) => {
      httpRequest(
        { host: url.hostname, port: url.port, path: '/api/channels', headers: { host: 'evil.example:3000' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(rebound).toBe(403);
  });

  it('answers the wrong method with 405', async () => {
    expect((await fetch(`${h.baseUrl}/api/messages`)).status).toBe(405);
    expect((await post('/api/channels', {})).status).toBe(405);
  });

  it('tells the requester when the handler fails, without a stack trace', async () => {
    const broken = await startConsole(store, {
      wrapHandler: () => async () => {
        throw new Error('connection reset by store at /secret/path');
      },
    });
    try {
      const res = await fetch(`${broken.baseUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channelId: 'incidents', text: '/dbx help', requestId: rid() }),
      });
      const body = await res.text();
      expect(res.status).toBe(200);
      expect(body).toContain('unavailable');
      expect(body).not.toContain('/secret/path');
    } finally {
      await broken.close();
    }
  });
});

describe('the kill switch for the command line', () => {
  it('runs /dbx kill-switch as the console user and answers its words as text', async () => {
    const res = await post('/api/kill-switch', { state: 'on', reason: 'bad deploy', requestId: rid() });
    expect(res.status).toBe(200);
    // This console's handler has no remediations to switch off: the refusal comes back, as words.
    expect(await res.json()).toEqual({
      ok: false,
      reason: 'unavailable',
      text: 'Remediations cannot run in this deployment: there is nothing to switch off.',
    });
  });

  it('runs the same request sent twice once, and says so the second time', async () => {
    const body = { state: 'status', requestId: rid() };
    expect((await post('/api/kill-switch', body)).status).toBe(200);
    const again = await post('/api/kill-switch', body);
    expect(await again.json()).toEqual({
      ok: false,
      reason: 'duplicate',
      text: 'I already handled this request.',
    });
  });

  it('refuses malformed, oversized, hostile and cross-site requests before anything runs', async () => {
    expect((await post('/api/kill-switch', '{"state": "on", ')).status).toBe(400);
    for (const body of [
      null,
      { state: 'maybe', requestId: rid() },
      { state: 'on' },
      { state: 'on', requestId: 'short' },
      { state: 'on', requestId: rid(), reason: 'x'.repeat(501) },
      { state: 'on; rm -rf /', requestId: rid() },
      { state: 'on', requestId: rid(), channelId: 'incidents' },
    ]) {
      const res = await post('/api/kill-switch', body);
      expect(res.status, JSON.stringify(body)?.slice(0, 80)).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    }
    expect(
      (await post('/api/kill-switch', { state: 'on', requestId: rid(), reason: 'x'.repeat(5_000) })).status,
    ).toBe(413);
    const elsewhere = await post(
      '/api/kill-switch',
      { state: 'on', requestId: rid() },
      { origin: 'https://evil.example' },
    );
    expect(elsewhere.status).toBe(403);
    expect((await fetch(`${h.baseUrl}/api/kill-switch`)).status).toBe(405);
  });
});
