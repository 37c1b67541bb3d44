import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy, workspaceEntry } from '../../src/config/policy.js';
import { ConfigError } from '../../src/domain/errors.js';

describe('policy (dbxops.yaml)', () => {
  it('defaults to the thresholds and triage levels the issue names', () => {
    const p = defaultPolicy();
    expect(p.thresholds).toMatchObject({
      row_count_drop: 0.2,
      row_count_spike: 3,
      duration_spike: 2,
      failure_rate: 0.05,
      zero_rows_consecutive: 3,
    });
    expect(p.triage.P1.when).toContainEqual({ sla_minutes_left_below: 30 });
    expect(p.triage.P1.when).toContainEqual({ criticality: 'financial-critical' });
    expect(p.triage.P2.when).toContainEqual({ blast_radius_above: 10 });
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
});

describe('policy access', () => {
  it('maps people to their team for the Home tab', () => {
    const p = parsePolicy('access:\n  teams: { U0ALICE: finance, bob@example.com: marketing }\n');
    expect(p.access.teams).toEqual({ U0ALICE: 'finance', 'bob@example.com': 'marketing' });
    expect(p.access.responders).toEqual(['*']);
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
  it("takes a workspace's time zone and budgets per team or per tag", () => {
    const policy = parsePolicy(
      'workspaces:\n  - id: "123"\n    timezone: Europe/Berlin\nbudgets:\n  finance: 5000\n  cost_center=CC-100: 2000\n',
    );
    expect(workspaceEntry(policy, '123')?.timezone).toBe('Europe/Berlin');
    expect(policy.budgets).toEqual({ finance: 5000, 'cost_center=CC-100': 2000 });
  });

  it('refuses a time zone that does not exist and a budget that is not positive', () => {
    expect(() => parsePolicy('workspaces:\n  - id: "123"\n    timezone: Mars/Olympus\n')).toThrowError(
      /workspaces\[0\]\.timezone: must be an IANA time zone/,
    );
    expect(() => parsePolicy('budgets:\n  finance: -5\n')).toThrowError(/budgets\.finance/);
  });
});
