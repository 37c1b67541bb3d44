import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateScenario } from '../../../src/sim/scenario/load-scenario.js';
import { baseScenario } from '../fixtures.js';

const doc = readFileSync('docs/scenarios.md', 'utf8');

/** The YAML examples of the section under `heading`, in order. */
function examplesUnder(heading: string): string[] {
  const from = doc.indexOf(heading);
  const to = doc.indexOf('\n#', from + heading.length);
  const section = doc.slice(from, to === -1 ? undefined : to);
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

describe('docs/scenarios.md on shared compute', () => {
  it('documents every compute key and the fault keys message and query', () => {
    for (const key of ['autoscale', 'availability', 'first_on_demand', 'min_workers', 'max_workers']) {
      expect(doc, key).toContain(`\`${key}\``);
    }
    expect(doc).toMatch(/\| `message` +\|/);
    expect(doc).toMatch(/\| `query` +\|/);
    expect(doc).toContain('`spot_loss`                   | cluster');
  });

  it('shows a shared cluster and its spot loss that are valid in a scenario', () => {
    const [cluster] = examplesUnder('### Autoscaling and spot or on-demand nodes');
    const [fault] = examplesUnder('**Spot nodes reclaimed on a shared cluster**');
    const s = baseScenario();
    s.clusters = (parse(cluster ?? '') as { clusters: [] }).clusters;
    s.faults = (parse(fault ?? '') as { faults: [] }).faults;
    const valid = validateScenario(s, 'docs/scenarios.md');
    expect(valid.clusters[0]).toMatchObject({
      name: 'shared-etl',
      autoscale: { min_workers: 2, max_workers: 8 },
      availability: 'SPOT_WITH_FALLBACK',
      first_on_demand: 1,
    });
    expect(valid.faults[0]).toMatchObject({ kind: 'spot_loss', target: { cluster: 'shared-etl' } });
  });
});

describe('docs/scenarios.md on object permissions', () => {
  it('shows a permission taken off a shared cluster that is valid in a scenario', () => {
    const [example] = examplesUnder('**A permission taken off a cluster, job or pipeline**');
    const parsed = parse(example ?? '') as { permissions: []; faults: [] };
    const s = baseScenario();
    s.groups = [...(s.groups ?? []), { name: 'etl-runners', members: ['alice@example.com'] }];
    s.clusters = [{ name: 'shared-etl', team: 'finance', owner: 'alice@example.com' }];
    s.permissions = parsed.permissions;
    s.faults = parsed.faults;
    const valid = validateScenario(s, 'docs/scenarios.md');
    expect(valid.faults[0]).toMatchObject({
      kind: 'revoked_permission',
      target: { permission: { cluster: 'shared-etl', principal: 'etl-runners', level: 'CAN_ATTACH_TO' } },
    });
  });
});

describe('docs/scenarios.md on late files and working hours', () => {
  it('shows a late file on a file-arrival job and working hours in local time that are valid in a scenario', () => {
    const [triggers] = examplesUnder('### Triggers');
    const [late] = examplesUnder('**A file delivered late**');
    const s = baseScenario();
    const jobs = (parse(triggers ?? '') as { jobs: { team: string }[] }).jobs;
    s.jobs = [...(s.jobs ?? []), ...(jobs.map((j) => ({ ...j, team: 'finance' })) as [])];
    s.faults = (parse(late ?? '') as { faults: [] }).faults;
    const table = doc.slice(doc.indexOf('### Working hours'), doc.indexOf('### Warehouse load'));
    const forms = [...table.matchAll(/`business_hours: (.+?)`/g)].map((m) => parse(m[1] ?? ''));
    s.clusters = forms.map((business_hours, i) => ({
      name: `shared-${i}`,
      team: 'finance',
      owner: 'alice@example.com',
      business_hours,
    }));
    const valid = validateScenario(s, 'docs/scenarios.md');
    expect(valid.faults[0]).toMatchObject({
      kind: 'late_arrival',
      target: { job: 'orders_ingest' },
      delay: '2h10m',
    });
    expect(valid.clusters.map((c) => c.business_hours)).toEqual([
      [2, 17],
      { from: '09:30', to: '19:30', timezone: 'Asia/Kolkata' },
    ]);
    expect(doc).toContain('| `late_arrival`');
  });
});
