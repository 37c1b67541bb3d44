import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/domain/errors.js';
import {
  loadScenario,
  MAX_SCENARIO_BYTES,
  parseScenario,
  validateScenario,
} from '../../../src/sim/scenario/load-scenario.js';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import type { ScenarioInput } from '../../../src/sim/scenario/schema.js';
import { baseScenario } from '../fixtures.js';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseScenario', () => {
  it('accepts a valid scenario and fills defaults', () => {
    const s = parseScenario(stringify(baseScenario()), 'ok.yaml');
    expect(s.jobs[0]?.tasks[0]?.max_retries).toBe(0);
    expect(s.jobs[0]?.schedule?.pause_status).toBe('UNPAUSED');
    expect(s.faults).toEqual([]);
  });

  it('names the file, the path and the expectation for a wrong type', () => {
    const doc = baseScenario();
    (doc.jobs?.[0]?.tasks[1] as { depends_on: unknown }).depends_on = [42];
    const e = errorOf(() => parseScenario(stringify(doc), 'scenarios/bad.yaml'));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain('scenarios/bad.yaml');
    expect(e.message).toContain('jobs[0].tasks[1].depends_on[0]');
    expect(e.message).toMatch(/string/);
  });

  it('takes a job SLA as a maximum age, and refuses an age that is nonsense, huge or hostile', () => {
    const withSla = (sla: unknown) => {
      const doc = baseScenario();
      (doc.jobs![0]! as { sla: unknown }).sla = sla;
      return stringify(doc);
    };
    const ok = parseScenario(
      withSla({ max_age: '2h', warn_after: '90m', table: 'main.finance.orders' }),
      'x.yaml',
    );
    expect(ok.jobs[0]?.sla).toEqual({ max_age: '2h', warn_after: '90m', table: 'main.finance.orders' });
    for (const bad of ['2', 'two hours', '0m', '40d', `${'1h'.repeat(100)}`, '2h\n<script>'])
      expect(errorOf(() => parseScenario(withSla({ max_age: bad }), 'x.yaml')).message).toContain(
        'jobs[0].sla',
      );
    expect(
      errorOf(() => parseScenario(withSla({ max_age: '2h', warn_after: '3h' }), 'x.yaml')).message,
    ).toContain('shorter than max_age');
    expect(
      errorOf(() => parseScenario(withSla({ max_age: '2h', deadline: '06:00' }), 'x.yaml')).message,
    ).toContain('jobs[0].sla');
  });

  it('reports a depends_on naming no task with its path', () => {
    const doc = baseScenario();
    doc.jobs![0]!.tasks[1]!.depends_on = ['nope'];
    const e = errorOf(() => parseScenario(stringify(doc), 'x.yaml'));
    expect(e.message).toContain('jobs[0].tasks[1].depends_on[0]');
    expect(e.message).toContain('"nope" is not a task key');
  });

  it('reports a fault that targets no job', () => {
    const doc = baseScenario();
    doc.faults = [
      {
        id: 'f1',
        kind: 'oom',
        target: { job: 'ghost' },
        start: '+1h',
        expected: { category: 'resource', severity: 'P2', action: 'RETRY_WITH_NEW_PARAMS' },
      },
    ];
    expect(errorOf(() => validateScenario(doc, 'x.yaml')).message).toContain(
      'faults[0].target.job: "ghost" is not one of jobs[].name',
    );
  });

  it('reports duplicate fault ids, job names and task keys', () => {
    const doc = baseScenario();
    const fault = {
      id: 'dup',
      kind: 'throttle' as const,
      target: {},
      start: '+1h',
      expected: { category: 'network' as const, severity: 'P4' as const, action: 'RETRY' as const },
    };
    doc.faults = [fault, { ...fault }];
    doc.jobs!.push({ ...doc.jobs![0]!, tasks: [...doc.jobs![0]!.tasks, { key: 'extract' }] });
    const e = errorOf(() => validateScenario(doc, 'x.yaml'));
    expect(e.message).toContain('faults[1].id: duplicate id "dup"');
    expect(e.message).toContain('jobs[1].name: duplicate name "orders_etl"');
    expect(e.message).toContain('jobs[1].tasks[3].key: duplicate task key "extract"');
  });

  it('reports a dependency cycle and an unknown caused_by', () => {
    const doc = baseScenario();
    doc.jobs![0]!.tasks[0]!.depends_on = ['load'];
    doc.faults = [
      {
        id: 'f',
        kind: 'task_error',
        target: { job: 'orders_etl' },
        start: '+1h',
        caused_by: 'nothing',
        expected: { category: 'unknown', severity: 'P3', action: 'NOTIFY_OWNER' },
      },
    ];
    const e = errorOf(() => validateScenario(doc, 'x.yaml'));
    expect(e.message).toMatch(/cycle: .*extract/);
    expect(e.message).toContain('faults[0].caused_by');
  });

  it('rejects unknown keys, so a typo does not silently do nothing', () => {
    const doc = baseScenario() as Record<string, unknown>;
    doc.jobz = [];
    expect(errorOf(() => validateScenario(doc, 'x.yaml')).message).toMatch(/jobz/);
  });

  it('rejects malformed YAML with the file name', () => {
    const e = errorOf(() => parseScenario('name: [unclosed\n  - x: :', 'broken.yaml'));
    expect(e.message).toContain('broken.yaml');
    expect(e.message).toContain('(yaml)');
  });

  it('rejects a YAML alias bomb without expanding it', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    const names = 'bcdefghij'.split('');
    let prev = 'a';
    for (const n of names) {
      lines.push(`${n}: &${n} [${Array(10).fill(`*${prev}`).join(',')}]`);
      prev = n;
    }
    const started = Date.now();
    const e = errorOf(() => parseScenario(lines.join('\n'), 'bomb.yaml'));
    expect(e.message).toMatch(/alias/i);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects oversized input before parsing', () => {
    const big = `name: x\ndescription: "${'a'.repeat(MAX_SCENARIO_BYTES)}"\n`;
    expect(errorOf(() => parseScenario(big, 'big.yaml')).message).toMatch(/larger than/);
  });

  it('rejects a 50 MB file by its size without reading it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-scn-'));
    const path = join(dir, 'huge.yaml');
    writeFileSync(path, Buffer.alloc(50 * 1024 * 1024, 0x61));
    await expect(loadScenario(path)).rejects.toThrow(/huge\.yaml.*limit/s);
  });

  it('reports a missing file as a ConfigError', async () => {
    await expect(loadScenario('/nonexistent/dir/x.yaml')).rejects.toBeInstanceOf(ConfigError);
  });

  it('rejects a scalar or empty document', () => {
    expect(errorOf(() => parseScenario('just a string', 's.yaml')).message).toContain('(root)');
    expect(errorOf(() => parseScenario('', 'e.yaml')).message).toContain('e.yaml');
  });

  it('rejects hostile strings in ids and hosts', () => {
    const doc = baseScenario();
    doc.workspace!.host = 'evil.com/<script>';
    doc.jobs![0]!.tasks[0]!.key = '../../etc/passwd';
    const e = errorOf(() => validateScenario(doc, 'x.yaml'));
    expect(e.message).toContain('workspace.host');
    expect(e.message).toContain('jobs[0].tasks[0].key');
  });

  it('checks that a fault ends after it starts and names its target kind', () => {
    const doc = baseScenario();
    doc.faults = [
      {
        id: 'w',
        kind: 'runaway_query',
        target: {},
        start: '+2h',
        end: '+1h',
        expected: { category: 'resource', severity: 'P3', action: 'NOTIFY_OWNER' },
      },
    ];
    const e = errorOf(() => validateScenario(doc, 'x.yaml'));
    expect(e.message).toContain('faults[0].target.warehouse: a runaway_query fault needs target.warehouse');
    expect(e.message).toContain('faults[0].end: must be after start');
  });

  it('reports permissions naming no object, two objects, an unknown principal or a level the object does not take', () => {
    const doc = baseScenario();
    doc.permissions = [
      { job: 'ghost', principal: 'finance-etl', level: 'CAN_MANAGE_RUN' },
      { job: 'orders_etl', cluster: 'shared', principal: 'finance-etl', level: 'CAN_MANAGE' },
      { principal: 'finance-etl', level: 'CAN_VIEW' },
      { job: 'orders_etl', principal: 'mallory@example.com', level: 'CAN_MANAGE' },
      { job: 'orders_etl', principal: 'finance-etl', level: 'CAN_RESTART' },
    ];
    const e = errorOf(() => validateScenario(doc, 'x.yaml'));
    expect(e.message).toContain('permissions[0].job: "ghost" is not one of jobs[].name');
    expect(e.message).toContain('permissions[1]: name exactly one of job, cluster, warehouse or pipeline');
    expect(e.message).toContain('permissions[2]: name exactly one of');
    expect(e.message).toContain(
      'permissions[3].principal: "mallory@example.com" is not one of users[].email',
    );
    expect(e.message).toContain('permissions[4].level: a job takes CAN_VIEW, CAN_MANAGE_RUN, CAN_MANAGE');
  });

  it('accepts grants to the built-in admins and users groups, and refuses IS_OWNER, which only the owner holds', () => {
    const doc = baseScenario();
    doc.permissions = [
      { job: 'orders_etl', principal: 'users', level: 'CAN_VIEW' },
      { job: 'orders_etl', principal: 'admins', level: 'CAN_MANAGE' },
    ];
    expect(validateScenario(doc, 'x.yaml').permissions).toHaveLength(2);
    doc.permissions = [{ job: 'orders_etl', principal: 'users', level: 'IS_OWNER' }];
    expect(errorOf(() => validateScenario(doc, 'x.yaml')).message).toContain('permissions[0].level');
  });

  it('refuses a revoked permission that names no permissions[] entry, or not exactly one object', () => {
    const doc = baseScenario();
    doc.clusters = [{ name: 'shared-etl', team: 'finance', owner: 'alice@example.com' }];
    doc.permissions = [{ cluster: 'shared-etl', principal: 'finance-etl', level: 'CAN_ATTACH_TO' }];
    const expected = { category: 'permission', severity: 'P3', action: 'NOTIFY_OWNER' } as const;
    const revoke = (id: string, permission: Record<string, string> | undefined) => ({
      id,
      kind: 'revoked_permission' as const,
      target:
        permission === undefined
          ? {}
          : {
              permission: {
                principal: 'finance-etl',
                ...permission,
                level: permission.level ?? 'CAN_ATTACH_TO',
              },
            },
      start: '+1h',
      expected,
    });
    doc.faults = [
      revoke('none', undefined),
      revoke('restart', { cluster: 'shared-etl', level: 'CAN_RESTART' }),
      revoke('two', { cluster: 'shared-etl', job: 'orders_etl' }),
      revoke('ok', { cluster: 'shared-etl' }),
    ];
    const e = errorOf(() => validateScenario(doc, 'x.yaml'));
    expect(e.message).toContain(
      'faults[0].target.permission: a revoked_permission fault needs target.permission',
    );
    expect(e.message).toContain(
      'faults[1].target.permission: no permissions[] entry gives finance-etl CAN_RESTART on cluster "shared-etl"',
    );
    expect(e.message).toContain('faults[2].target.permission: names exactly one of job, cluster or pipeline');
    expect(e.message).not.toContain('faults[3]');
  });

  it('refuses an operator who is no user of the scenario, or a service principal', () => {
    const doc = baseScenario();
    doc.operator = 'ghost@example.com';
    expect(errorOf(() => validateScenario(doc, 'x.yaml')).message).toContain(
      'operator: "ghost@example.com" is not one of users[].email',
    );
    doc.users = [...(doc.users ?? []), { email: 'etl-sp@example.com', service_principal: true }];
    doc.operator = 'etl-sp@example.com';
    expect(errorOf(() => validateScenario(doc, 'x.yaml')).message).toContain('operator: must be a person');
  });

  it('accepts a history of healthy days and refuses one that is not a number of days, too long, or has stray keys', () => {
    const ok = baseScenario();
    ok.history = { days: 21 };
    expect(validateScenario(ok, 'x.yaml').history).toEqual({ days: 21 });
    for (const history of [
      { days: 0 },
      { days: -3 },
      { days: 91 },
      { days: '21' },
      { days: 7, weeks: 1 },
      'yes',
    ]) {
      const doc = { ...baseScenario(), history };
      expect(errorOf(() => validateScenario(doc, 'x.yaml')).message).toContain('history');
    }
  });

  it('refuses a fault inside the healthy history, but not one at the start', () => {
    const doc = baseScenario();
    doc.history = { days: 7 };
    const race = {
      kind: 'concurrency_conflict' as const,
      target: { job: 'orders_etl', task: 'transform' },
      expected: { category: 'concurrency' as const, severity: 'P3' as const, action: 'RETRY' as const },
    };
    doc.faults = [
      { ...race, id: 'early', start: '2026-11-19T00:00:00Z' },
      { ...race, id: 'at-start', start: '+0h' },
    ];
    const e = errorOf(() => validateScenario(doc, 'x.yaml'));
    expect(e.message).toContain('faults[0].start: the history before start is healthy');
    expect(e.message).not.toContain('faults[1]');
  });

  it('refuses ground truth that contradicts itself: a page that must not page, recurring more often than it happens', () => {
    const doc = baseScenario();
    const race = {
      kind: 'concurrency_conflict' as const,
      target: { job: 'orders_etl', task: 'transform' },
      start: '+1h',
    };
    doc.faults = [
      {
        ...race,
        id: 'paged',
        must_not_page: true,
        expected: { category: 'concurrency', severity: 'P2', action: 'RETRY' },
      },
      {
        ...race,
        id: 'twice',
        occurrences: 2,
        recurring_by: 3,
        expected: { category: 'concurrency', severity: 'P3', action: 'RETRY' },
      },
      {
        ...race,
        id: 'quiet-recurring',
        must_not_page: true,
        recurring_by: 3,
        expected: { category: 'concurrency', severity: 'P4', action: 'RETRY' },
      },
    ];
    const e = errorOf(() => validateScenario(doc, 'x.yaml'));
    expect(e.message).toContain('faults[0].expected.severity: a must_not_page fault cannot expect P2');
    expect(e.message).toContain('faults[1].recurring_by: the fault happens only 2 times');
    expect(e.message).toContain('faults[2].recurring_by: a must_not_page fault is not one to find');
    // Recurring by the first occurrence is no recurrence at all.
    doc.faults = [
      {
        ...race,
        id: 'once',
        recurring_by: 1,
        expected: { category: 'concurrency', severity: 'P3', action: 'RETRY' },
      },
    ];
    expect(errorOf(() => validateScenario(doc, 'x.yaml')).message).toContain('faults[0].recurring_by');
  });

  describe('triggers, load, continuous pipelines and cancellations', () => {
    const job = (extra: Record<string, unknown>) => ({
      name: 'consumer',
      team: 'finance',
      owner: 'alice@example.com',
      tasks: [{ key: 'read', reads: ['main.finance.daily_revenue'] }],
      ...extra,
    });

    it('accepts each trigger kind, continuous jobs and pipelines, a load model and cancellations, with defaults', () => {
      const doc = baseScenario();
      doc.jobs?.push(
        job({ name: 'on_table', trigger: { table_update: { table_names: ['main.finance.orders'] } } }),
        job({
          name: 'on_files',
          trigger: { file_arrival: { url: 's3://landing/orders/', arrivals: { every_minutes: 30 } } },
        }),
        job({ name: 'every_2h', trigger: { periodic: { interval: 2, unit: 'HOURS' } } }),
        job({ name: 'always', continuous: {} }),
      );
      doc.pipelines = [
        {
          name: 'stream',
          team: 'finance',
          owner: 'alice@example.com',
          continuous: true,
          writes: ['main.finance.s'],
        },
      ];
      doc.warehouses = [
        {
          name: 'bi',
          team: 'finance',
          owner: 'alice@example.com',
          load: { dashboards: [{ name: 'kpis' }], adhoc: { queries_per_hour: 10 } },
        },
      ];
      doc.cancellations = [{ job: 'orders_etl', at: '+2h' }];
      const s = parseScenario(stringify(doc), 'ok.yaml');
      expect(s.jobs[1]?.trigger).toMatchObject({
        pause_status: 'UNPAUSED',
        table_update: { condition: 'ANY_UPDATED', wait_after_last_change_seconds: 0 },
      });
      expect(s.jobs[2]?.trigger?.file_arrival?.arrivals).toEqual({
        every_minutes: 30,
        jitter: 0.2,
        hours: [0, 24],
      });
      expect(s.jobs[4]?.continuous).toEqual({ pause_status: 'UNPAUSED' });
      expect(s.warehouses[0]?.load).toMatchObject({
        concurrency_per_cluster: 10,
        dashboards: [{ name: 'kpis', refresh_minutes: 15, queries: 8 }],
      });
      expect(s.pipelines[0]?.continuous).toBe(true);
    });

    it('refuses a job with two ways to start, or a trigger naming none or two kinds', () => {
      const doc = baseScenario();
      doc.jobs?.push(
        job({ continuous: {}, schedule: { quartz_cron_expression: '0 0 * * * ?' } }),
        job({ name: 'empty', trigger: {} }),
        job({
          name: 'both',
          trigger: {
            periodic: { interval: 1, unit: 'DAYS' },
            table_update: { table_names: ['main.finance.orders'] },
          },
        }),
      );
      const e = errorOf(() => validateScenario(doc, 'x.yaml'));
      expect(e.message).toContain('jobs[1]: a job takes one of schedule, trigger or continuous, not several');
      expect(e.message).toContain(
        'jobs[2].trigger: name exactly one of file_arrival, table_update or periodic',
      );
      expect(e.message).toContain('jobs[3].trigger: name exactly one of');
    });

    it('refuses a table-update trigger on a table nobody names or writes, and a malformed one', () => {
      const doc = baseScenario();
      doc.jobs?.push(job({ trigger: { table_update: { table_names: ['main.nowhere.ghost'] } } }));
      expect(errorOf(() => validateScenario(doc, 'x.yaml')).message).toContain(
        'jobs[1].trigger.table_update.table_names[0]: "main.nowhere.ghost" is not one of tables[].name',
      );
      const bad = baseScenario();
      bad.jobs?.push(job({ trigger: { table_update: { table_names: ['orders; DROP TABLE x'] } } }));
      expect(errorOf(() => validateScenario(bad, 'x.yaml')).message).toContain('three-part table name');
      const none = baseScenario();
      none.jobs?.push(job({ trigger: { table_update: { table_names: [] } } }));
      expect(errorOf(() => validateScenario(none, 'x.yaml')).message).toContain('table_names');
    });

    it('refuses a file-arrival URL that is no storage location, and hostile or oversized values', () => {
      const doc = baseScenario();
      doc.jobs?.push(
        job({
          trigger: { file_arrival: { url: 'http://evil.example/$(rm -rf)', arrivals: { every_minutes: 5 } } },
        }),
        job({
          name: 'huge',
          trigger: { periodic: { interval: 10_000_000, unit: 'WEEKS' } },
        }),
      );
      const e = errorOf(() => validateScenario(doc, 'x.yaml'));
      expect(e.message).toContain('jobs[1].trigger.file_arrival.url: a storage URL or /Volumes/ path');
      expect(e.message).toContain('jobs[2].trigger.periodic.interval');
    });

    it('refuses duplicate dashboards, a zero concurrency and an unknown key in a load model', () => {
      const w = (load: Record<string, unknown>) => ({
        name: 'bi',
        team: 'finance',
        owner: 'alice@example.com',
        load,
      });
      const dup = baseScenario();
      dup.warehouses = [w({ dashboards: [{ name: 'kpis' }, { name: 'kpis' }] })];
      expect(errorOf(() => validateScenario(dup, 'x.yaml')).message).toContain(
        'warehouses[0].load.dashboards[1].name: duplicate dashboard name "kpis"',
      );
      const zero = baseScenario();
      zero.warehouses = [w({ concurrency_per_cluster: 0 })];
      expect(errorOf(() => validateScenario(zero, 'x.yaml')).message).toContain(
        'warehouses[0].load.concurrency_per_cluster',
      );
      const typo = baseScenario();
      typo.warehouses = [w({ dashbords: [] })];
      expect(errorOf(() => validateScenario(typo, 'x.yaml')).message).toContain('dashbords');
    });

    it('refuses a cancellation of a job that does not exist or by someone who is not an address', () => {
      const doc = baseScenario();
      doc.cancellations = [
        { job: 'ghost', at: '+1h' },
        { job: 'orders_etl', at: 'yesterday' },
        { job: 'orders_etl', at: '+1h', by: '<script>' },
      ];
      const e = errorOf(() => validateScenario(doc, 'x.yaml'));
      expect(e.message).toContain('cancellations[1].at');
      expect(e.message).toContain('cancellations[2].by');
      const ghost = baseScenario();
      ghost.cancellations = [{ job: 'ghost', at: '+1h' }];
      expect(errorOf(() => validateScenario(ghost, 'x.yaml')).message).toContain(
        'cancellations[0].job: "ghost" is not one of jobs[].name',
      );
    });

    it('shows examples in docs/scenarios.md that are valid scenario parts', () => {
      const doc = readFileSync('docs/scenarios.md', 'utf8');
      const examples = (heading: string) => {
        const from = doc.indexOf(heading);
        const section = doc.slice(from, doc.indexOf('\n#', from + heading.length));
        return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map(
          (m) => parse(m[1] ?? '') as ScenarioInput,
        );
      };
      const [load] = examples('### Warehouse load');
      const [triggers] = examples('### Triggers');
      const [cancellations] = examples('### Runs cancelled by their owner');
      const s = baseScenario();
      s.users = [...(s.users ?? []), { email: 'bob@acme.example' }];
      s.warehouses = (load?.warehouses ?? []).map((w) => ({ ...w, team: 'finance' }));
      s.jobs = [...(s.jobs ?? []), ...(triggers?.jobs ?? []).map((j) => ({ ...j, team: 'finance' }))];
      s.cancellations = (cancellations?.cancellations ?? []).map((c) => ({ ...c, job: 'orders_etl' }));
      const valid = validateScenario(s, 'docs/scenarios.md');
      expect(valid.warehouses[0]?.load?.dashboards[0]?.name).toBe('exec-kpis');
      expect(valid.jobs.map((j) => Object.keys(j.trigger ?? {}).filter((k) => k !== 'pause_status'))).toEqual(
        [[], ['file_arrival'], ['table_update']],
      );
      expect(valid.cancellations).toHaveLength(1);
      for (const kind of ['query_storm', 'pipeline_hang']) expect(doc).toContain(`| \`${kind}\``);
    });

    it('takes working hours in local time with a zone on warehouses and clusters, and keeps whole UTC hours', () => {
      const doc = baseScenario();
      const kolkata = { from: '09:30', to: '19:30', timezone: 'Asia/Kolkata' };
      doc.warehouses = [
        { name: 'bi', team: 'finance', owner: 'alice@example.com', business_hours: kolkata },
        { name: 'old', team: 'finance', owner: 'alice@example.com', business_hours: [2, 17] },
      ];
      doc.clusters = [
        {
          name: 'shared',
          team: 'finance',
          owner: 'alice@example.com',
          business_hours: { from: '22:00', to: '06:00' },
        },
        { name: 'plain', team: 'finance', owner: 'alice@example.com' },
      ];
      const valid = validateScenario(doc, 'x.yaml');
      expect(valid.warehouses.map((w) => w.business_hours)).toEqual([kolkata, [2, 17]]);
      expect(valid.clusters.map((c) => c.business_hours)).toEqual([
        { from: '22:00', to: '06:00', timezone: 'UTC' },
        [8, 18],
      ]);
    });

    it('refuses malformed, hostile or empty working hours at the field that is wrong', () => {
      const refused = (hours: unknown) => {
        const doc = baseScenario();
        doc.clusters = [
          {
            name: 'shared',
            team: 'finance',
            owner: 'alice@example.com',
            business_hours: hours as [number, number],
          },
        ];
        return errorOf(() => validateScenario(doc, 'x.yaml')).message;
      };
      expect(refused({ from: '9:30', to: '19:30', timezone: 'Asia/Kolkata' })).toContain(
        'clusters[0].business_hours.from: a local time like "09:30"',
      );
      expect(refused({ from: '09:30', to: '25:00' })).toContain(
        'clusters[0].business_hours.to: a local time',
      );
      expect(refused({ from: '09:30', to: '19:30', timezone: 'Mars/Olympus_Mons' })).toContain(
        'clusters[0].business_hours.timezone: a known IANA time zone',
      );
      expect(refused({ from: '09:30', to: '19:30', timezone: '../../etc/passwd\u0000' })).toContain(
        'clusters[0].business_hours.timezone',
      );
      expect(refused({ from: '09:30', to: '09:30' })).toContain(
        'clusters[0].business_hours.to: a time other than from',
      );
      expect(refused({ from: '24:00', to: '09:30' })).toContain('clusters[0].business_hours.from');
      expect(refused([9, 9])).toContain('clusters[0].business_hours: two different hours');
      expect(refused({ from: '09:30', to: '19:30', tz: 'UTC' })).toContain('"tz"');
      expect(refused('nine to five')).toContain(
        'clusters[0].business_hours: UTC hours like [8, 18] or local times',
      );
    });

    it('takes a late file as delay, until or skip on a file-arrival job, and refuses it on any other', () => {
      const expected = { category: 'dependency', severity: 'P2', action: 'NOTIFY_OWNER' } as const;
      const scenario = (faults: NonNullable<ScenarioInput['faults']>) => {
        const doc = baseScenario();
        doc.jobs?.push(
          job({
            trigger: { file_arrival: { url: 's3://landing/orders/', arrivals: { every_minutes: 60 } } },
          }),
        );
        doc.faults = faults;
        return doc;
      };
      const late = (id: string, extra: Record<string, unknown>) => ({
        id,
        kind: 'late_arrival' as const,
        target: { job: 'consumer' },
        start: '+4h',
        expected,
        ...extra,
      });
      const valid = validateScenario(
        scenario([late('a', { delay: '2h10m' }), late('b', { until: '+9h' }), late('c', { skip: true })]),
        'x.yaml',
      );
      expect(valid.faults.map((f) => [f.delay, f.until, f.skip])).toEqual([
        ['2h10m', undefined, undefined],
        [undefined, '+9h', undefined],
        [undefined, undefined, true],
      ]);

      const e = errorOf(() =>
        validateScenario(
          scenario([
            late('none', {}),
            late('two', { delay: '1h', skip: true }),
            late('scheduled', { target: { job: 'orders_etl' }, delay: '1h' }),
            late('ghost', { target: { job: 'ghost' }, delay: '1h' }),
            late('early', { until: '+2h' }),
            {
              id: 'elsewhere',
              kind: 'task_error',
              target: { job: 'orders_etl' },
              start: '+1h',
              expected,
              delay: '1h',
            },
            late('a', { delay: '1h' }),
            late('a', { delay: '2h' }),
          ]),
          'x.yaml',
        ),
      );
      expect(e.message).toContain(
        'faults[0]: a late_arrival fault takes exactly one of delay, until or skip',
      );
      expect(e.message).toContain(
        'faults[1]: a late_arrival fault takes exactly one of delay, until or skip',
      );
      expect(e.message).toContain(
        'faults[2].target.job: job "orders_etl" has no trigger.file_arrival whose files could come late',
      );
      expect(e.message).toContain('faults[3].target.job: "ghost" is not one of jobs[].name');
      expect(e.message).toContain('faults[4].until: must be after start');
      expect(e.message).toContain('faults[5].delay: only a late_arrival fault takes delay, until or skip');
      expect(e.message).toContain('faults[7].id: duplicate id "a"');
      const shape = errorOf(() =>
        validateScenario(
          scenario([
            late('bad-delay', { delay: 'soon; rm -rf /' }),
            late('no-skip', { skip: false }),
            late('bad-until', { until: 'tomorrow' }),
          ]),
          'x.yaml',
        ),
      );
      expect(shape.message).toContain('faults[0].delay: a delay like "2h10m"');
      expect(shape.message).toContain('faults[1].skip');
      expect(shape.message).toContain('faults[2].until: an ISO instant');
    });

    it('needs a warehouse for a query storm and a pipeline for a hang', () => {
      const doc = baseScenario();
      const expected = { category: 'capacity', severity: 'P3', action: 'RETRY_WITH_NEW_PARAMS' } as const;
      doc.faults = [
        { id: 'storm', kind: 'query_storm', target: {}, start: '+1h', expected },
        { id: 'hang', kind: 'pipeline_hang', target: {}, start: '+1h', expected },
      ];
      const e = errorOf(() => validateScenario(doc, 'x.yaml'));
      expect(e.message).toContain('faults[0].target.warehouse: a query_storm fault needs target.warehouse');
      expect(e.message).toContain('faults[1].target.pipeline: a pipeline_hang fault needs target.pipeline');
    });
  });

  it('accepts Quartz steps from an offset such as hours 0/6', () => {
    const doc = baseScenario();
    doc.jobs![0]!.schedule = { quartz_cron_expression: '0 0 0/6 * * ?', timezone_id: 'UTC' };
    expect(parseScenario(stringify(doc), 'x.yaml').jobs[0]?.schedule?.quartz_cron_expression).toBe(
      '0 0 0/6 * * ?',
    );
  });

  it.each([
    ['0 0 */0 * * ?', /hours field/],
    ['0 0 2 1 * MON', /one of day-of-month and day-of-week must be "\?"/],
    ['every day', /fields/],
  ])('refuses the schedule %s at its path, saying what is wrong', (expression, why) => {
    const doc = baseScenario();
    doc.jobs![0]!.schedule = { quartz_cron_expression: expression, timezone_id: 'UTC' };
    const e = errorOf(() => parseScenario(stringify(doc), 'x.yaml'));
    expect(e.message).toContain('jobs[0].schedule.quartz_cron_expression');
    expect(e.message).toMatch(why);
    expect(e.message).not.toMatch(/CronPattern|TypeError/);
  });

  it("refuses a pipeline's schedule in an unknown time zone at the zone's path", () => {
    const doc = baseScenario();
    doc.pipelines = [
      {
        name: 'clicks',
        team: 'finance',
        owner: 'alice@example.com',
        writes: ['main.finance.clicks'],
        schedule: { quartz_cron_expression: '0 0 0/6 * * ?', timezone_id: 'Europe/Atlantis' },
      },
    ];
    const e = errorOf(() => parseScenario(stringify(doc), 'x.yaml'));
    expect(e.message).toContain('pipelines[0].schedule.timezone_id');
    expect(e.message).toContain('Europe/Atlantis');
  });
});
