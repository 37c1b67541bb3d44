import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../../../src/domain/clock.js';
import { type AuthProvider, patAuth } from '../../../src/databricks/auth/auth-provider.js';
import { DatabricksApiError } from '../../../src/databricks/rest/databricks-api-error.js';
import { databricksId } from '../../../src/databricks/rest/databricks-json.js';
import {
  createHttpTransport,
  type HttpTransportOptions,
} from '../../../src/databricks/rest/http-transport.js';
import { currentWorkspaceId } from '../../../src/databricks/rest/current-workspace-id.js';
import { ScriptedServer } from './scripted-server.js';

const TOKEN = 'dapi0123456789abcdef0123456789abcdef';
const anything = z.unknown();
let server: ScriptedServer;

beforeAll(async () => {
  server = await new ScriptedServer().start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

function setup(overrides: Partial<HttpTransportOptions> = {}) {
  const clock = new ManualClock(1_763_712_000_000);
  const waits: number[] = [];
  const transport = createHttpTransport({
    baseUrl: server.url,
    auth: patAuth(TOKEN),
    clock,
    random: () => 0.5,
    sleep: async (ms) => {
      waits.push(ms);
      clock.advance(ms);
    },
    ...overrides,
  });
  return { transport, waits, clock };
}

async function failure(promise: Promise<unknown>): Promise<DatabricksApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DatabricksApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('createHttpTransport', () => {
  it('sends the bearer token, JSON body and flattened query string', async () => {
    const { transport } = setup();
    server.reply({ status: 200, body: { ok: true } });
    const result = await transport.request(
      {
        method: 'POST',
        path: '/api/2.2/jobs/run-now',
        query: { filter_by: { statuses: ['FAILED', 'CANCELED'] }, expand: true, skip: undefined },
        body: { job_id: 1 },
      },
      z.object({ ok: z.boolean() }),
    );
    expect(result).toEqual({ ok: true });
    const [seen] = server.requests;
    expect(seen?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.query.getAll('filter_by.statuses')).toEqual(['FAILED', 'CANCELED']);
    expect(seen?.query.get('expand')).toBe('true');
    expect(seen?.query.has('skip')).toBe(false);
    expect(JSON.parse(seen?.body ?? '')).toEqual({ job_id: 1 });
  });

  it('waits as long as an integer Retry-After asks on 429, then succeeds', async () => {
    const { transport, waits } = setup();
    server.reply(
      {
        status: 429,
        headers: { 'retry-after': '3' },
        body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'RPC token bucket limit has been exceeded.' },
      },
      { status: 200, body: { jobs: [] } },
    );
    await expect(transport.request({ method: 'GET', path: '/api/2.2/jobs/list' }, anything)).resolves.toEqual(
      {
        jobs: [],
      },
    );
    expect(waits).toEqual([3000]);
    expect(server.requests).toHaveLength(2);
  });

  it('reports each retry to onRetry without headers, and marks throttling as transient', async () => {
    const events: unknown[] = [];
    const { transport } = setup({ onRetry: (e) => events.push(e), retry: { maxAttempts: 2 } });
    server.otherwise(() => ({ status: 429, headers: { 'retry-after': '2' } }));
    const error = await failure(transport.request({ method: 'GET', path: '/api/2.2/jobs/list' }, anything));
    expect(events).toEqual([
      {
        method: 'GET',
        path: '/api/2.2/jobs/list',
        attempt: 1,
        waitMs: 2000,
        reason: 'RATE_LIMITED',
        status: 429,
      },
    ]);
    expect(error.transient).toBe(true);
  });

  it('waits one second on a 503 without Retry-After, even for a POST', async () => {
    const { transport, waits } = setup({ retry: { baseDelayMs: 100 } });
    server.reply(
      { status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'try later' } },
      { status: 200, body: { run_id: 5 } },
    );
    const out = await transport.request(
      { method: 'POST', path: '/api/2.2/jobs/run-now', body: {} },
      anything,
    );
    expect(out).toEqual({ run_id: 5 });
    expect(waits).toEqual([1000]);
  });

  it('backs off exponentially with jitter when throttled repeatedly', async () => {
    const { transport, waits } = setup({ retry: { baseDelayMs: 2000, defaultRetryAfterMs: 1000 } });
    server.reply(
      { status: 429, body: {} },
      { status: 429, body: {} },
      { status: 429, body: {} },
      { status: 200 },
    );
    await transport.request({ method: 'GET', path: '/x' }, anything);
    // equal jitter with random()=0.5: 0.75 of 2000, 4000, 8000
    expect(waits).toEqual([1500, 3000, 6000]);
  });

  it('ignores a Retry-After that is not an integer and uses the default', async () => {
    const { transport, waits } = setup({ retry: { baseDelayMs: 10 } });
    server.reply(
      { status: 429, headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' } },
      { status: 200 },
    );
    await transport.request({ method: 'GET', path: '/x' }, anything);
    expect(waits).toEqual([1000]);
  });

  it('gives up with RATE_LIMITED after maxAttempts and reports the attempts', async () => {
    const { transport, waits } = setup({ retry: { maxAttempts: 3 } });
    server.otherwise(() => ({
      status: 429,
      body: { error_code: 'RESOURCE_EXHAUSTED', message: 'slow down' },
    }));
    const error = await failure(
      transport.request({ method: 'GET', path: '/api/2.1/clusters/list' }, anything),
    );
    expect(error.reason).toBe('RATE_LIMITED');
    expect(error.code).toBe('DATABRICKS_RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.details.attempts).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it('stops retrying when the next wait would pass the deadline', async () => {
    const { transport, waits } = setup({ retry: { deadlineMs: 5000 } });
    server.otherwise(() => ({ status: 503, headers: { 'retry-after': '10' }, body: {} }));
    const error = await failure(transport.request({ method: 'GET', path: '/x' }, anything));
    expect(error.reason).toBe('UNAVAILABLE');
    expect(error.retryAfterMs).toBe(10_000);
    expect(waits).toEqual([]);
  });

  it('does not retry a 500 on a non-idempotent POST', async () => {
    const { transport } = setup();
    server.otherwise(() => ({ status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'boom' } }));
    const error = await failure(
      transport.request({ method: 'POST', path: '/api/2.2/jobs/runs/repair', body: { run_id: 1 } }, anything),
    );
    expect(error.reason).toBe('INTERNAL');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 500 on a GET and on a POST marked idempotent', async () => {
    const { transport } = setup();
    server.reply(
      { status: 500, body: {} },
      { status: 200 },
      { status: 502, body: 'Bad gateway' },
      { status: 200 },
    );
    await transport.request({ method: 'GET', path: '/x' }, anything);
    await transport.request(
      { method: 'POST', path: '/api/2.2/jobs/runs/cancel', idempotent: true },
      anything,
    );
    expect(server.requests).toHaveLength(4);
  });

  it('retries a non-idempotent POST when the message is one the SDKs call transient', async () => {
    const { transport } = setup();
    server.reply(
      { status: 400, body: { error_code: 'INVALID_STATE', message: 'ClusterNotReadyException: not yet' } },
      { status: 200, body: { repair_id: 7 } },
    );
    await expect(transport.request({ method: 'POST', path: '/r' }, anything)).resolves.toEqual({
      repair_id: 7,
    });
  });

  it('never retries a 400, 403 or 404', async () => {
    const { transport } = setup();
    server.otherwise(() => ({ status: 403, body: { error_code: 'PERMISSION_DENIED', message: 'no' } }));
    const error = await failure(transport.request({ method: 'GET', path: '/x' }, anything));
    expect(error.reason).toBe('PERMISSION_DENIED');
    expect(error.transient).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('times out a hanging call with reason TIMEOUT and retries it when idempotent', async () => {
    const { transport } = setup({ timeoutMs: 50, retry: { maxAttempts: 2 } });
    server.reply({ hang: true }, { hang: true });
    const error = await failure(transport.request({ method: 'GET', path: '/slow' }, anything));
    expect(error.reason).toBe('TIMEOUT');
    expect(error.status).toBe(0);
    expect(server.requests).toHaveLength(2);
  });

  it('stops the timeout clock once a call has answered', async () => {
    const signals: AbortSignal[] = [];
    const { transport } = setup({
      timeoutMs: 30,
      // Answered in-process, so a busy machine cannot make the call itself outlast the 30 ms.
      fetch: (async (_url: string, init: RequestInit) => {
        if (init.signal) signals.push(init.signal);
        return new Response(JSON.stringify({ ok: true }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }) as typeof fetch,
    });
    await transport.request({ method: 'GET', path: '/api/2.2/jobs/get' }, anything);
    await new Promise((resolve) => setTimeout(resolve, 80));
    // A timer left running would abort the finished call's signal, and hold it until then.
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);
  });

  it('does not repeat a timed-out POST that may have acted', async () => {
    const { transport } = setup({ timeoutMs: 50 });
    server.reply({ hang: true });
    const error = await failure(
      transport.request({ method: 'POST', path: '/api/2.2/jobs/run-now' }, anything),
    );
    expect(error.reason).toBe('TIMEOUT');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a refused connection even for a POST, then reports NETWORK', async () => {
    const closed = await new ScriptedServer().start();
    const url = closed.url;
    await closed.close();
    const { transport, waits } = setup({ baseUrl: url, retry: { maxAttempts: 2 } });
    const error = await failure(transport.request({ method: 'POST', path: '/x' }, anything));
    expect(error.reason).toBe('NETWORK');
    expect(error.message).toContain('ECONNREFUSED');
    expect(waits).toHaveLength(1);
  });

  it('reports a dropped connection on a GET as NETWORK after retrying', async () => {
    const { transport } = setup({ retry: { maxAttempts: 2 } });
    server.reply({ destroy: true }, { destroy: true });
    const error = await failure(transport.request({ method: 'GET', path: '/x' }, anything));
    expect(error.reason).toBe('NETWORK');
    expect(server.requests).toHaveLength(2);
  });

  it('repeats a POST once, at once, when the server closed its idle keep-alive connection as it was reused', async () => {
    // A workspace that, once, closes a connection that already served a call as the next call arrives on
    // it: the race of an idle keep-alive connection closed by the server just as the client reuses it.
    const served = new WeakSet<Socket>();
    let closedReused = 0;
    let received = 0;
    const workspace = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        if (served.has(req.socket) && closedReused === 0) {
          closedReused++;
          req.socket.destroy();
          return;
        }
        served.add(req.socket);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ statement_id: `s${received}` }));
      });
    });
    await new Promise<void>((resolve) => workspace.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = workspace.address() as AddressInfo;
      const { transport, waits } = setup({ baseUrl: `http://127.0.0.1:${port}` });
      const submit = () =>
        transport.request(
          { method: 'POST', path: '/api/2.0/sql/statements', body: { statement: 'SELECT 1' } },
          z.object({ statement_id: z.string() }),
        );
      for (let i = 0; i < 4; i++) expect((await submit()).statement_id).toMatch(/^s\d$/);
      expect(closedReused).toBe(1);
      expect(received).toBe(5);
      expect(waits).toEqual([0]);
    } finally {
      workspace.closeAllConnections();
      await new Promise<void>((resolve) => workspace.close(() => resolve()));
    }
  });

  it('does not repeat a POST whose new connection was dropped: the server may have acted on it', async () => {
    const workspace = await new ScriptedServer().start();
    try {
      const { transport } = setup({ baseUrl: workspace.url });
      workspace.reply({ destroy: true });
      const error = await failure(transport.request({ method: 'POST', path: '/x', body: {} }, anything));
      expect(error.reason).toBe('NETWORK');
      expect(workspace.requests).toHaveLength(1);
    } finally {
      await workspace.close();
    }
  });

  it('stops at once with CANCELLED when the caller aborts during backoff', async () => {
    const controller = new AbortController();
    const { transport } = setup({
      sleep: async () => {
        controller.abort();
        throw new Error('aborted');
      },
    });
    server.reply({ status: 429 });
    const error = await failure(
      transport.request({ method: 'GET', path: '/x', signal: controller.signal }, anything),
    );
    expect(error.reason).toBe('CANCELLED');
  });

  it('answers an already-aborted call with CANCELLED without sending it', async () => {
    const { transport } = setup();
    const controller = new AbortController();
    controller.abort();
    const error = await failure(
      transport.request({ method: 'GET', path: '/x', signal: controller.signal }, anything),
    );
    expect(error.reason).toBe('CANCELLED');
    expect(server.requests).toHaveLength(0);
  });

  it('answers a call aborted in flight with CANCELLED, not TIMEOUT', async () => {
    const { transport } = setup();
    server.reply({ hang: true });
    const controller = new AbortController();
    const pending = failure(
      transport.request({ method: 'GET', path: '/x', signal: controller.signal }, anything),
    );
    setTimeout(() => controller.abort(), 20);
    expect((await pending).reason).toBe('CANCELLED');
  });

  it('maps the 400 "does not exist" quirk to NOT_FOUND and keeps the error_code', async () => {
    const { transport } = setup();
    server.reply({
      status: 400,
      body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Job 298120471834650 does not exist.' },
    });
    const error = await failure(transport.request({ method: 'GET', path: '/api/2.2/jobs/get' }, anything));
    expect(error.reason).toBe('NOT_FOUND');
    expect(error.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(error.status).toBe(400);
    expect(error.method).toBe('GET');
    expect(error.path).toBe('/api/2.2/jobs/get');
  });

  it("maps Run: <id> in job: <id> doesn't exist to NOT_FOUND", async () => {
    const { transport } = setup();
    server.reply({
      status: 400,
      body: { error_code: 'INVALID_PARAMETER_VALUE', message: "Run: 1 in job: 2 doesn't exist" },
    });
    expect((await failure(transport.request({ method: 'GET', path: '/r' }, anything))).reason).toBe(
      'NOT_FOUND',
    );
  });

  it('keeps other 400 INVALID_PARAMETER_VALUE as INVALID_PARAMETER', async () => {
    const { transport } = setup();
    server.reply({
      status: 400,
      body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'limit must be <= 100' },
    });
    expect((await failure(transport.request({ method: 'GET', path: '/r' }, anything))).reason).toBe(
      'INVALID_PARAMETER',
    );
  });

  it('reads the standard error body with details and request id', async () => {
    const { transport } = setup();
    server.reply({
      status: 404,
      body: {
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: 'Pipeline 1b2c does not exist',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'x', domain: 'y', metadata: {} },
          { '@type': 'type.googleapis.com/google.rpc.RequestInfo', request_id: 'req-42', serving_data: '' },
        ],
      },
    });
    const error = await failure(
      transport.request({ method: 'GET', path: '/api/2.0/pipelines/1b2c' }, anything),
    );
    expect(error.reason).toBe('NOT_FOUND');
    expect(error.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(error.apiDetails).toHaveLength(2);
    expect(error.details.requestId).toBe('req-42');
    expect(error.message).toContain('Pipeline 1b2c does not exist');
  });

  it('reads a legacy {"error": …} body', async () => {
    const { transport } = setup();
    server.reply({ status: 400, body: { error: 'INVALID_STATE: Cluster is not running' } });
    const error = await failure(
      transport.request({ method: 'POST', path: '/api/2.1/clusters/resize' }, anything),
    );
    expect(error.errorCode).toBe('INVALID_STATE');
    expect(error.reason).toBe('INVALID_STATE');
    expect(error.message).toContain('Cluster is not running');
  });

  it('reads a plain-text ERROR_CODE: message body', async () => {
    const { transport, waits } = setup();
    server.reply(
      {
        status: 429,
        body: 'REQUEST_LIMIT_EXCEEDED: GetUserPermissionsRequest RPC token bucket limit has been exceeded.',
      },
      { status: 200 },
    );
    await transport.request({ method: 'GET', path: '/x' }, anything);
    expect(waits).toEqual([1000]);
    server.reply({ status: 409, body: 'RESOURCE_ALREADY_EXISTS: job name taken' });
    const error = await failure(transport.request({ method: 'POST', path: '/x' }, anything));
    expect(error.errorCode).toBe('RESOURCE_ALREADY_EXISTS');
    expect(error.reason).toBe('CONFLICT');
    expect(error.message).toContain('job name taken');
  });

  it('summarises an HTML error page from a proxy without dumping the page', async () => {
    const { transport } = setup({ retry: { maxAttempts: 1 } });
    const html = `<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>${'x'.repeat(5000)}</body></html>`;
    server.reply({ status: 502, body: html, headers: { 'content-type': 'text/html' } });
    const error = await failure(transport.request({ method: 'GET', path: '/x' }, anything));
    expect(error.reason).toBe('UNAVAILABLE');
    expect(error.message).toContain('502 Bad Gateway');
    expect(error.message.length).toBeLessThan(300);
  });

  it('answers an empty error body and malformed JSON bodies with the status', async () => {
    const { transport } = setup();
    server.reply({ status: 403, body: '' }, { status: 400, body: '{"error_code": "BAD' });
    expect((await failure(transport.request({ method: 'GET', path: '/x' }, anything))).message).toContain(
      'HTTP 403',
    );
    const malformed = await failure(transport.request({ method: 'GET', path: '/x' }, anything));
    expect(malformed.reason).toBe('INVALID_PARAMETER');
  });

  it('truncates an oversized error message', async () => {
    const { transport } = setup();
    server.reply({ status: 400, body: { error_code: 'BAD_REQUEST', message: 'y'.repeat(100_000) } });
    const error = await failure(transport.request({ method: 'GET', path: '/x' }, anything));
    expect(error.message.length).toBeLessThan(1200);
  });

  it('never echoes the token, even when the server quotes it back', async () => {
    const { transport } = setup();
    server.reply({
      status: 401,
      body: { error_code: 'UNAUTHENTICATED', message: `Invalid token Bearer ${TOKEN}` },
    });
    const error = await failure(transport.request({ method: 'GET', path: '/x' }, anything));
    expect(error.reason).toBe('UNAUTHENTICATED');
    expect(
      JSON.stringify({ message: error.message, details: error.details, stack: error.stack }),
    ).not.toContain(TOKEN.slice(4));
  });

  it('fails with INVALID_RESPONSE when a 200 body is not JSON or has the wrong shape', async () => {
    const { transport } = setup();
    server.reply({ status: 200, body: '<html>login</html>' }, { status: 200, body: { job_id: 1.5 } });
    expect((await failure(transport.request({ method: 'GET', path: '/x' }, anything))).reason).toBe(
      'INVALID_RESPONSE',
    );
    const shape = await failure(
      transport.request({ method: 'GET', path: '/x' }, z.object({ job_id: databricksId })),
    );
    expect(shape.reason).toBe('INVALID_RESPONSE');
    expect(shape.message).toContain('job_id');
  });

  it('refuses an id beyond 2^53 instead of rounding it', async () => {
    const { transport } = setup();
    server.reply({ status: 200, body: '{"job_id": 9007199254740993}' });
    const error = await failure(
      transport.request({ method: 'GET', path: '/x' }, z.object({ job_id: databricksId })),
    );
    expect(error.reason).toBe('INVALID_RESPONSE');
    expect(error.message).toContain('9007199254740993');
  });

  it('reads 15-digit ids as exact numbers, from numbers or strings', async () => {
    const { transport } = setup();
    server.reply({ status: 200, body: '{"job_id": 298120471834650, "run_id": "969479553499872"}' });
    const out = await transport.request(
      { method: 'GET', path: '/x' },
      z.object({ job_id: databricksId, run_id: databricksId }),
    );
    expect(out).toEqual({ job_id: 298120471834650, run_id: 969479553499872 });
  });

  it('refreshes an OAuth credential once after a 401 and retries', async () => {
    let generation = 0;
    const invalidations: number[] = [];
    const auth: AuthProvider = {
      kind: 'oauth-m2m',
      authorization: async () => `Bearer token-${generation}`,
      invalidate: () => {
        invalidations.push(generation);
        generation += 1;
      },
    };
    const { transport } = setup({ auth });
    server.reply(
      { status: 401, body: { error_code: 'UNAUTHENTICATED', message: 'expired' } },
      { status: 200 },
    );
    await transport.request({ method: 'GET', path: '/x' }, anything);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-0', 'Bearer token-1']);

    server.reply({ status: 401 }, { status: 401 }, { status: 200 });
    const error = await failure(transport.request({ method: 'GET', path: '/x' }, anything));
    expect(error.reason).toBe('UNAUTHENTICATED');
    expect(invalidations).toHaveLength(2);
  });

  it('refuses an oversized response body instead of buffering it', async () => {
    const { transport } = setup({ maxResponseBytes: 1000 });
    server.reply({ status: 200, body: { blob: 'z'.repeat(5000) } });
    const error = await failure(transport.request({ method: 'GET', path: '/x' }, anything));
    expect(error.reason).toBe('INVALID_RESPONSE');
    expect(server.requests).toHaveLength(1);
  });
});

describe('currentWorkspaceId', () => {
  it('reads the id from the X-Databricks-Org-Id header of the SCIM Me answer', async () => {
    server.reply({
      status: 200,
      body: { userName: 'a@b.c' },
      headers: { 'x-databricks-org-id': '1234567890123456' },
    });
    expect(await currentWorkspaceId(setup().transport)).toBe('1234567890123456');
    expect(server.requests[0]?.path).toBe('/api/2.0/preview/scim/v2/Me');
  });

  it('says to set DATABRICKS_WORKSPACE_ID when the header is missing or not an id', async () => {
    server.reply({ status: 200, body: {} });
    const missing = await failure(currentWorkspaceId(setup().transport));
    expect(missing.reason).toBe('INVALID_RESPONSE');
    expect(missing.message).toContain('DATABRICKS_WORKSPACE_ID');
    server.reply({ status: 200, body: {}, headers: { 'x-databricks-org-id': '12; drop table' } });
    expect((await failure(currentWorkspaceId(setup().transport))).reason).toBe('INVALID_RESPONSE');
  });
});
