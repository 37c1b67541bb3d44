import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { connectDatabricks } from '../../../src/databricks/auth/connect-databricks.js';
import { collect } from '../../../src/databricks/rest/paginate.js';
import { ScriptedServer } from '../rest/scripted-server.js';

let server: ScriptedServer;

beforeAll(async () => {
  server = await new ScriptedServer().start();
  server.otherwise((req) => {
    if (req.path === '/oidc/v1/token')
      return { status: 200, body: { access_token: 'at-1', expires_in: 3600 } };
    return { status: 200, body: { jobs: [{ job_id: 1 }], has_more: false, auth: req.headers.authorization } };
  });
});
afterAll(async () => {
  await server.close();
});

describe('connectDatabricks', () => {
  it('connects with a PAT from the environment to a loopback workspace', async () => {
    const { client, config } = await connectDatabricks({
      env: { DATABRICKS_HOST: `${server.url}/`, DATABRICKS_TOKEN: 'dapiENV' },
      readFile: async () => undefined,
    });
    expect(client.host).toBe(server.url);
    expect(config.credentialsSource).toBe('env');
    expect((await collect(client.jobs.listJobs())).map((j) => j.job_id)).toEqual([1]);
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer dapiENV');
  });

  it('connects with OAuth M2M from a config profile', async () => {
    const cfg = `[sp]\nhost = ${server.url}\nclient_id = id\nclient_secret = secret\n`;
    const { client } = await connectDatabricks({
      profile: 'sp',
      env: {},
      homeDir: '/home/x',
      readFile: async (path) => (path === '/home/x/.databrickscfg' ? cfg : undefined),
      clock: new ManualClock(0),
    });
    await collect(client.jobs.listJobs());
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer at-1');
  });
});
