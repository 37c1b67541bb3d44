import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy, workspaceEntry } from '../../src/config/policy.js';
import { ConfigError } from '../../src/domain/errors.js';
import { listedWorkspaces } from '../../src/app/connect-configured-workspace.js';

describe('policy (dbxops.yaml)', () => {
  it('defaults to the thresholds and triage levels the issue names', () => {
    const p = defaultPolicy();
    expect(p.thresholds).toMatchObject({
      row_count_drop: 0.2,
      row_count_spike: 3,
      duration_spike: 2,
      zero_rows_consecutive: 3,
    });
    expect(p.triage.P1.when).toContainEqual({ sla_minutes_left_below: 30 });
    expect(p.triage.P1.when).toContainEqual({ criticality: 'financial-critical' });
    expect(p.triage.P2.when).toContainEqual({ blast_radius_above: 10, transient: false });
    expect(p.routing.default_channel).toBe('#incidents');
  });

  it('keeps defaults for what a partial file leaves out', () => {
    const p = parsePolicy(
      'thresholds:\n  duration_spike: 3\nrouting:\n  rules:\n    - match: { team: finance }\n      channel: "#fin"\n',
    );
    expect(p.thresholds.duration_spike).toBe(3);
    expect(p.thresholds.row_count_drop).toBe(0.2);
    expect(p.routing.rules[0]?.channel).toBe('#fin');
  });

  it('names the file and the path of a wrong value', () => {
    expect(() => parsePolicy('thresholds:\n  row_count_drop: 2\n', 'ops/dbxops.yaml')).toThrowError(
      /ops\/dbxops\.yaml: thresholds\.row_count_drop/,
    );
    expect(() =>
      parsePolicy('routing:\n  rules:\n    - match: { severity: P9 }\n      channel: x\n'),
    ).toThrowError(/routing\.rules\[0\]\.match\.severity/);
  });

  it('refuses a triage condition on a category the classifier never gives, which could never match', () => {
    const level = (category: string) =>
      'triage:\n' +
      ['P1', 'P2', 'P3', 'P4']
        .map(
          (s) =>
            `  ${s}:\n    when: [${s === 'P3' ? `{ category: ${category} }` : ''}]\n    response_minutes: 60\n    escalation_minutes: 120\n`,
        )
        .join('');
    expect(parsePolicy(level('permission')).triage.P3.when).toEqual([{ category: 'permission' }]);
    expect(() => parsePolicy(level('oom'))).toThrowError(/triage\.P3\.when\[0\]\.category/);
  });

  it('rejects unknown keys instead of ignoring a typo', () => {
    expect(() => parsePolicy('thresholds:\n  duration_spik: 3\n')).toThrowError(ConfigError);
  });

  it('rejects broken YAML and alias bombs with a clear error', () => {
    expect(() => parsePolicy('thresholds: [unclosed')).toThrowError(/not valid YAML/);
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
      );
    expect(() => parsePolicy(bomb.join('\n'))).toThrowError(ConfigError);
  });
});

describe('policy SLAs', () => {
  it('reads table deadlines and refuses a time that is not HH:MM', () => {
    const p = parsePolicy(
      'slas:\n  - { table: main.finance.gl_mart, deadline: "06:00", timezone: Europe/Berlin }\n',
    );
    expect(p.slas[0]).toMatchObject({
      table: 'main.finance.gl_mart',
      deadline: '06:00',
      timezone: 'Europe/Berlin',
    });
    expect(() => parsePolicy('slas:\n  - { table: t, deadline: "25:00" }\n')).toThrowError(
      /slas\[0\]\.deadline/,
    );
  });

  it('reads a maximum age instead of a deadline, with the age from which it warns', () => {
    const p = parsePolicy(
      'slas:\n  - { table: main.sales.orders_live, max_age: 2h, warn_after: 90m }\n  - { table: t2, max_age: 1d 12h }\n',
    );
    expect(p.slas.map((s) => [s.table, s.max_age, s.warn_after, s.deadline])).toEqual([
      ['main.sales.orders_live', '2h', '90m', undefined],
      ['t2', '1d 12h', undefined, undefined],
    ]);
  });

  it.each([
    ['max_age: 2', /slas\[0\]\.max_age: must be a duration such as 90m, 2h/],
    ['max_age: "2 hours"', /slas\[0\]\.max_age: must be a duration/],
    ['max_age: 0m', /slas\[0\]\.max_age: must be a duration/],
    ['max_age: "-2h"', /slas\[0\]\.max_age: must be a duration/],
    ['max_age: 1.5h', /slas\[0\]\.max_age: must be a duration/],
    ['max_age: 400d', /slas\[0\]\.max_age: must be at most 31d/],
    [`max_age: "${'1h'.repeat(500)}"`, /slas\[0\]\.max_age: must be a duration/],
    ['max_age: "2h; DROP TABLE x"', /slas\[0\]\.max_age: must be a duration/],
    ['max_age: { h: 2 }', /slas\[0\]\.max_age: must be a duration/],
    ['max_age: 2h, deadline: "06:00"', /slas\[0\]\.max_age: an SLA takes either `deadline`/],
    ['timezone: UTC', /slas\[0\]\.max_age: an SLA takes either `deadline`/],
    ['max_age: 2h, warn_after: 3h', /slas\[0\]\.warn_after: must be shorter than `max_age`/],
    ['deadline: "06:00", warn_after: 1h', /slas\[0\]\.warn_after: is only for an SLA with `max_age`/],
  ])('refuses %s with a message naming the field', (entry, message) => {
    expect(() => parsePolicy(`slas:\n  - { table: t, ${entry} }\n`)).toThrowError(message);
  });

  it('refuses a table given two SLAs, naming it', () => {
    expect(() =>
      parsePolicy('slas:\n  - { table: t, max_age: 2h }\n  - { table: t, deadline: "06:00" }\n'),
    ).toThrowError(/slas\[1\]\.table: t has an SLA already/);
  });
});

describe('policy workspaces', () => {
  const yaml = (entries: string) => `workspaces:\n${entries}`;

  it('finds a workspace by the id incidents carry, not by its name', () => {
    const p = parsePolicy(
      yaml("  - { id: '1234567890123456', name: prod, host: 'https://adb-1.azuredatabricks.net' }\n"),
    );
    expect(workspaceEntry(p, '1234567890123456')).toEqual({
      id: '1234567890123456',
      name: 'prod',
      host: 'https://adb-1.azuredatabricks.net',
    });
    expect(workspaceEntry(p, 'prod')).toBeUndefined();
  });

  it('refuses an entry without an id, an id listed twice, a host that is not https and old keys', () => {
    expect(() => parsePolicy(yaml('  - { name: prod }\n'))).toThrowError(/workspaces\[0\]\.id/);
    expect(() => parsePolicy(yaml("  - { id: '1' }\n  - { id: '1', name: again }\n"))).toThrowError(
      /listed once/,
    );
    expect(() => parsePolicy(yaml("  - { id: '1', host: 'javascript:alert(1)' }\n"))).toThrowError(
      /workspaces\[0\]\.host/,
    );
    expect(() => parsePolicy(yaml("  - { id: '1', host: 'http://adb-1.net' }\n"))).toThrowError(
      /workspaces\[0\]\.host/,
    );
    expect(() => parsePolicy(yaml("  - { id: '1', profile: prod }\n"))).toThrowError(/profile/);
  });

  it('watches an entry with auth and a warehouse, holding the names of its secrets only', () => {
    const p = parsePolicy(
      yaml(
        [
          "  - { id: '1234567890123456', name: named-only }",
          "  - id: '7301928465019283'",
          '    host: https://dbc-northlight.cloud.databricks.com',
          '    auth: { client_id_env: NL_CLIENT_ID, client_secret_env: NL_CLIENT_SECRET }',
          '    warehouse_id: 4b9c1e2d3f4a5b6c',
          '    webhook: { password_env: NL_WEBHOOK_PASSWORD }',
          "  - { id: '42', auth: { profile: staging }, warehouse_id: abc123 }",
          '',
        ].join('\n'),
      ),
    );
    expect(listedWorkspaces(p).map((w) => w.id)).toEqual(['7301928465019283', '42']);
    expect(workspaceEntry(p, '7301928465019283')?.webhook).toEqual({
      username: 'dbxops',
      password_env: 'NL_WEBHOOK_PASSWORD',
    });
  });

  it('refuses a watched entry without its warehouse or host, connection keys without auth, and secrets as values', () => {
    const refused = (entry: string, message: RegExp) =>
      expect(() => parsePolicy(yaml(`  - ${entry}\n`))).toThrowError(message);
    refused(
      "{ id: '1', host: 'https://a.net', auth: { token_env: T } }",
      /warehouse_id.*needs its SQL warehouse/,
    );
    refused("{ id: '1', auth: { token_env: T }, warehouse_id: abc }", /host.*needs its host/);
    refused("{ id: '1', warehouse_id: abc }", /warehouse_id.*only with `auth`/);
    refused("{ id: '1', webhook: { password_env: P } }", /webhook.*only with `auth`/);
    refused("{ id: '1', host: 'https://a.net', auth: { token: dapi123 }, warehouse_id: abc }", /auth/);
    refused(
      "{ id: '1', host: 'https://a.net', auth: { token_env: 'dapi-1234-secret' }, warehouse_id: abc }",
      /name of an environment variable/,
    );
    refused(
      "{ id: 'a/b', host: 'https://a.net', auth: { token_env: T }, warehouse_id: abc }",
      /webhook path/,
    );
    refused(
      "{ id: '1', host: 'https://a.net', auth: { token_env: T }, warehouse_id: 'a b' }",
      /warehouse id/,
    );
  });
});

describe('policy access', () => {
  it('maps people to their team for the Home tab', () => {
    const p = parsePolicy('access:\n  teams: { U0ALICE: finance, bob@example.com: marketing }\n');
    expect(p.access.teams).toEqual({ U0ALICE: 'finance', 'bob@example.com': 'marketing' });
    expect(p.access.responders).toEqual(['*']);
  });
});

describe('policy principals', () => {
  it('maps chat users to Databricks user names per surface, empty by default', () => {
    expect(defaultPolicy().principals).toEqual({ slack: {}, teams: {}, console: {} });
    const p = parsePolicy(
      'principals:\n  slack: { U0ALICE: alice@acme.example }\n  console: { you: erin@acme.example }\n',
    );
    expect(p.principals.slack).toEqual({ U0ALICE: 'alice@acme.example' });
    expect(p.principals.console).toEqual({ you: 'erin@acme.example' });
  });

  it('refuses a target that is no plain user name, and an unknown surface', () => {
    for (const bad of ['alice', '"a@b" or 1', 'a@b\\\\', 'a b@c']) {
      expect(() => parsePolicy(`principals:\n  slack: { U1: ${JSON.stringify(bad)} }\n`)).toThrowError(
        /principals\.slack\.U1: must be a Databricks user name/,
      );
    }
    expect(() => parsePolicy('principals:\n  discord: { x: a@b.c }\n')).toThrowError(/principals/);
  });
});

describe('policy routing', () => {
  it('names the Teams group a P1 pings', () => {
    const p = parsePolicy('routing:\n  oncall_teams: { id: tag-1, name: On-call }\n');
    expect(p.routing.oncall_teams).toEqual({ id: 'tag-1', name: 'On-call' });
    expect(() => parsePolicy('routing:\n  oncall_teams: { id: "" , name: x }\n')).toThrowError(
      /oncall_teams\.id/,
    );
  });
});

describe('policy for cost reports', () => {
  it('takes budgets per team or per tag', () => {
    const policy = parsePolicy('budgets:\n  finance: 5000\n  cost_center=CC-100: 2000\n');
    expect(policy.budgets).toEqual({ finance: 5000, 'cost_center=CC-100': 2000 });
  });

  it('refuses a budget that is not positive', () => {
    expect(() => parsePolicy('budgets:\n  finance: -5\n')).toThrowError(/budgets\.finance/);
  });
});

describe('policy time zone and questions', () => {
  it('defaults to UTC and the questions defaults', () => {
    const policy = defaultPolicy();
    expect(policy.timezone).toBe('UTC');
    expect(policy.ask).toEqual({
      schemas: [],
      max_rows: 1000,
      timeout_seconds: 30,
      max_period_days: 92,
      daily_token_budget: 200_000,
      llm_timeout_seconds: 30,
    });
  });

  it('refuses a time zone that does not exist and a schema that is not catalog.schema', () => {
    expect(() => parsePolicy('timezone: Mars/Olympus')).toThrow(/timezone: must be an IANA time zone/);
    expect(() => parsePolicy('ask:\n  schemas: [ops]')).toThrow(/ask.schemas\[0\]: must be catalog.schema/);
  });
});

describe('policy remediation', () => {
  it('defaults to the safe guardrails: approval for high risk and over $10, a $100 cap, 3 and 20 an hour', () => {
    const { remediation } = defaultPolicy();
    expect(remediation).toMatchObject({
      kill_switch: false,
      shadow: false,
      allowed_actions: ['*'],
      requires_approval: { actions: [], risk: ['high'], cost_above_usd: 10 },
      approval_ttl_minutes: 30,
      max_cost_usd_per_action: 100,
      rate_limits: { per_job_per_hour: 3, total_per_hour: 20 },
      roles: {},
      blackouts: [],
    });
  });

  it('names the path of a wrong value and refuses unknown keys', () => {
    expect(() => parsePolicy('remediation:\n  allowed_actions: ["rm -rf"]\n')).toThrowError(
      /remediation\.allowed_actions\[0\]: must be an action kind/,
    );
    expect(() =>
      parsePolicy('remediation:\n  roles:\n    ops:\n      press: [repair]\n      slack_user: [U1]\n'),
    ).toThrowError(/remediation\.roles\.ops/);
    expect(() => parsePolicy('remediation:\n  rate_limits:\n    per_job_per_hour: -1\n')).toThrowError(
      /remediation\.rate_limits\.per_job_per_hour/,
    );
    expect(() => parsePolicy('remediation:\n  kill_switch: "yes please"\n')).toThrowError(
      /remediation\.kill_switch/,
    );
  });

  it('bounds hostile role lists', () => {
    const many = Array.from({ length: 1_001 }, (_, i) => `U${i}`).join(', ');
    expect(() =>
      parsePolicy(`remediation:\n  roles:\n    ops:\n      slack_users: [${many}]\n`),
    ).toThrowError(/slack_users/);
  });
});

describe('policy access and remediation roles', () => {
  it('has one place for who approves remediations: remediation.roles, not access.approvers', () => {
    expect(() => parsePolicy('access:\n  approvers: [U0LEAD]\n')).toThrowError(/access/);
    const p = parsePolicy(
      'remediation:\n  roles:\n    lead:\n      approve: ["*"]\n      slack_users: [U0LEAD]\n',
    );
    expect(p.remediation.roles.lead?.approve).toEqual(['*']);
  });
});
