import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';

/** One request the fake received: a Web API method (`chat.update`) or a `response_url` post (`respond:<id>`). */
interface FakeSlackCall {
  readonly method: string;
  readonly auth: string | undefined;
  readonly args: Record<string, unknown>;
  /** What the fake answered: 200, or the 429/500 it was told to inject. */
  readonly status: number;
}

export interface FakeSlack {
  /** Base for `SLACK_API_URL` (`http://127.0.0.1:PORT/api/`). */
  readonly apiUrl: string;
  /** A `response_url` the fake records as `respond:<id>`. */
  responseUrl(id: string): string;
  readonly calls: FakeSlackCall[];
  /** Adds a person `users.info` knows; unknown ids answer `user_not_found` as Slack does. */
  addUser(id: string, user: FakeSlackUser): void;
  /** Calls that Slack accepted (status 200), optionally of one method. */
  accepted(method?: string): FakeSlackCall[];
  /** The next `count` calls (optionally only of `method`) answer 429 with `Retry-After: retryAfterSec`. */
  failNext(
    count: number,
    failure: { status: 429; retryAfterSec: number } | { status: 500 },
    method?: string,
  ): void;
  /** Socket Mode: the app's WebSocket (opened through `apps.connections.open`), envelopes and acks. */
  readonly socket: {
    /** Resolves once an app connected and was sent Slack's `hello`. */
    connected(timeoutMs?: number): Promise<void>;
    /** Sends an envelope (`slash_commands`, `interactive`, `events_api`) as Slack does. */
    send(envelope: {
      envelope_id: string;
      type: string;
      payload: unknown;
      accepts_response_payload?: boolean;
    }): void;
    /** Acks the app sent back, by envelope id. */
    readonly acks: { envelope_id: string; payload?: unknown }[];
  };
  /** Waits until `predicate` holds over the calls, or throws after `timeoutMs`. */
  waitFor(predicate: (calls: FakeSlackCall[]) => boolean, timeoutMs?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

const BOT = {
  user_id: 'U0BOT0001',
  bot_id: 'B0BOT0001',
  team_id: 'T0TEAM001',
  team: 'acme',
  url: 'https://acme.slack.com/',
};

/** Slack sends JSON-valued arguments (`blocks`, `view`) as JSON strings inside the form; decode them. */
function decodeForm(raw: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (/^[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // Not JSON after all: keep the string.
      }
    }
    out[k] = v;
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

let tsCounter = 0;

/** A person `users.info` knows. */
interface FakeSlackUser {
  readonly name: string;
  readonly realName: string;
  readonly email: string;
  /** `is_email_confirmed` (default true): false for an address nobody has confirmed yet. */
  readonly emailConfirmed?: boolean;
}
const users = new Map<string, FakeSlackUser>();
/** Where `apps.connections.open` sends the app (set when a fake starts). */
let socketUrl = '';

/** Slack's answers for the methods dbxops calls, shaped as the real Web API answers them. */
function answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
  switch (method) {
    case 'auth.test':
      return { ok: true, ...BOT };
    case 'apps.connections.open':
      return { ok: true, url: socketUrl };
    case 'chat.postMessage': {
      tsCounter += 1;
      const ts = `1700000000.${String(tsCounter).padStart(6, '0')}`;
      return {
        ok: true,
        channel: args.channel,
        ts,
        message: {
          type: 'message',
          user: BOT.user_id,
          bot_id: BOT.bot_id,
          text: args.text,
          ts,
          blocks: args.blocks,
        },
      };
    }
    case 'chat.update':
      return {
        ok: true,
        channel: args.channel,
        ts: args.ts,
        text: args.text,
        message: { text: args.text, blocks: args.blocks },
      };
    case 'chat.postEphemeral':
      tsCounter += 1;
      return { ok: true, message_ts: `1700000000.${String(tsCounter).padStart(6, '0')}` };
    case 'views.publish':
      return {
        ok: true,
        view: { id: 'V0VIEW0001', type: 'home', blocks: (args.view as { blocks?: unknown })?.blocks ?? [] },
      };
    case 'users.info': {
      const id = String(args.user);
      const known = users.get(id);
      if (known === undefined) return { ok: false, error: 'user_not_found' };
      return {
        ok: true,
        user: {
          id,
          team_id: 'T0FAKE0001',
          name: known.name,
          deleted: false,
          real_name: known.realName,
          tz: 'Europe/Berlin',
          tz_offset: 3600,
          profile: { real_name: known.realName, display_name: '', email: known.email },
          is_admin: false,
          is_owner: false,
          is_bot: false,
          is_app_user: false,
          updated: 1_700_000_000,
          is_email_confirmed: known.emailConfirmed ?? true,
        },
      };
    }
    default:
      return { ok: false, error: 'unknown_method' };
  }
}

/**
 * A loopback Slack Web API and `response_url` sink that records every call and can answer 429 or 500
 * for the next N calls. It speaks the real protocol: form or JSON bodies in, `{ ok, … }` out.
 */
export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: FakeSlackCall[] = [];
  let failures: {
    remaining: number;
    failure: { status: 429; retryAfterSec: number } | { status: 500 };
    method?: string;
  }[] = [];
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const type = req.headers['content-type'] ?? '';
    let args: Record<string, unknown>;
    try {
      args = type.startsWith('application/json')
        ? (JSON.parse(raw || '{}') as Record<string, unknown>)
        : decodeForm(raw);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const url = req.url ?? '/';
    const method = url.startsWith('/api/')
      ? (url.slice('/api/'.length).split('?')[0] ?? '')
      : `respond:${url.replace(/^\/respond\//, '')}`;
    const rule = failures.find((f) => f.remaining > 0 && (f.method === undefined || f.method === method));
    if (rule !== undefined && method !== 'auth.test') {
      rule.remaining -= 1;
      calls.push({ method, auth: req.headers.authorization, args, status: rule.failure.status });
      if (rule.failure.status === 429) {
        res.writeHead(429, {
          'retry-after': String(rule.failure.retryAfterSec),
          'content-type': 'application/json',
        });
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      } else {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      }
      return;
    }
    calls.push({ method, auth: req.headers.authorization, args, status: 200 });
    const body = method.startsWith('respond:') ? { ok: true } : answer(method, args);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  // Socket Mode: upgrades on /link become the app's WebSocket; Slack greets with `hello`.
  const wss = new WebSocketServer({ noServer: true });
  const sockets: WebSocket[] = [];
  const acks: { envelope_id: string; payload?: unknown }[] = [];
  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/link')) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('message', (data) => {
        try {
          const ack = JSON.parse(String(data)) as { envelope_id?: unknown; payload?: unknown };
          if (typeof ack.envelope_id === 'string')
            acks.push({ envelope_id: ack.envelope_id, payload: ack.payload });
        } catch {
          // Slack ignores frames it cannot read; so does the fake.
        }
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
          connection_info: { app_id: 'A0APP0001' },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  socketUrl = `${base.replace('http://', 'ws://')}/link/?ticket=fake`;
  return {
    apiUrl: `${base}/api/`,
    responseUrl: (id) => `${base}/respond/${id}`,
    calls,
    addUser: (id, user) => {
      users.set(id, user);
    },
    socket: {
      async connected(timeoutMs = 5_000) {
        const deadline = Date.now() + timeoutMs;
        while (sockets.length === 0) {
          if (Date.now() > deadline) throw new Error('No app opened a Socket Mode connection');
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      send(envelope) {
        for (const ws of sockets) ws.send(JSON.stringify(envelope));
      },
      acks,
    },
    accepted: (method) =>
      calls.filter((c) => c.status === 200 && (method === undefined || c.method === method)),
    failNext(count, failure, method) {
      failures.push({ remaining: count, failure, ...(method === undefined ? {} : { method }) });
    },
    async waitFor(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > deadline) {
          throw new Error(
            `Fake Slack never saw the expected calls; got ${calls.map((c) => `${c.method}(${c.status})`).join(', ')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    reset() {
      calls.length = 0;
      failures = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
