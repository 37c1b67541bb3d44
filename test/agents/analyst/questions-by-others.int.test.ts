import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, createAnalyst } from '../../../src/agents/analyst/analyst.js';
import { openScenarioWarehouse, type ScenarioWarehouse } from '../../../src/app/scenario-warehouse.js';
import { DEFAULT_SCENARIO_FILE } from '../../../src/config/default-scenario-file.js';
import { defaultPolicy } from '../../../src/config/policy.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { type ExpectedAnswer, type Half, halfOf, QUESTIONS_BY_OTHERS } from './questions-by-others.js';

// The demo scenario, 48 h, seed 42, as `dbxops ask` answers it with no model configured.
let demo: ScenarioWarehouse;

beforeAll(async () => {
  demo = await openScenarioWarehouse({ scenario: DEFAULT_SCENARIO_FILE, seed: 42 });
}, 120_000);

afterAll(async () => {
  await demo?.close();
});

type Grade = 'right' | 'wrong-confident' | 'missed';

/** Why an answer is not the expected one, or undefined when it is. */
function mismatch(expected: ExpectedAnswer, answer: Answer): string | undefined {
  if (answer.outcome !== 'answered') {
    if (
      expected.decline !== undefined &&
      (answer.outcome === 'unanswerable' || answer.outcome === 'refused')
    ) {
      return answer.outcome === 'refused' || answer.followUps.length > 0
        ? undefined
        : 'declined with no suggestions';
    }
    // A name the workspace does not have ("team-x"), said so: the honest decline for it.
    if (expected.decline === 'must' && answer.outcome === 'unknown_name') return undefined;
    // The right one among the nearest names, whatever kind of name was misspelt.
    const { team, job, table, warehouse, pipeline, cluster, user } = expected.filters ?? {};
    const nearest = [team ?? job ?? table ?? warehouse ?? pipeline ?? cluster ?? user ?? []].flat()[0];
    if (expected.nearest && answer.outcome === 'unknown_name' && nearest !== undefined) {
      return answer.followUps.some((f) => f.label.includes(nearest))
        ? undefined
        : 'nearest names miss the right one';
    }
    return `${answer.outcome}: ${answer.summary}`;
  }
  if (expected.decline === 'must') return `answered ${answer.intent} for a question no intent covers`;
  if (answer.intent === null || answer.intent === 'model' || !expected.intents.includes(answer.intent)) {
    return `intent ${answer.intent}, expected ${expected.intents.join(' or ')}`;
  }
  const said = answer.summary.toLowerCase();
  // A team is said as what the answer is narrowed to, before its figures — not merely listed among
  // every team's ("Spend yesterday: …; the most: data-platform …" is no answer for data-platform).
  const narrowed = said.replace(/;?\s*(?:the )?most:.*$/, '');
  for (const [kind, values] of Object.entries(expected.filters ?? {})) {
    for (const value of [values].flat()) {
      const where = kind === 'team' ? narrowed : said;
      if (!where.includes(value.toLowerCase())) return `${kind} ${value} not in "${answer.summary}"`;
    }
  }
  if (expected.period !== undefined) {
    const [start, end] = expected.period.map((iso) => Date.parse(iso));
    if (answer.period?.startMs !== start || answer.period?.endMs !== end) {
      const got = answer.period
        ? `${new Date(answer.period.startMs).toISOString()}..${new Date(answer.period.endMs).toISOString()}`
        : 'none';
      return `period ${got}, expected ${expected.period.join('..')}`;
    }
  }
  if (expected.earlierUncovered && /\(new\)|against \$0\.00|\$0\.00 the period before/.test(answer.summary)) {
    return `compares against a period the data does not cover: "${answer.summary}"`;
  }
  return undefined;
}

describe('questions phrased by others, on the demo scenario', () => {
  it('places them, keeps their filters and periods, and declines what no intent answers', async () => {
    const analyst = createAnalyst({
      warehouse: demo.warehouse,
      workspaceId: demo.workspaceId,
      clock: demo.clock,
      wallClock: new ManualClock(Date.UTC(2026, 0, 1)),
      policy: defaultPolicy(),
    });
    const tally: Record<Half, Map<Grade, number>> = {
      tune: new Map(),
      'held-out': new Map(),
      fresh: new Map(),
      third: new Map(),
      fourth: new Map(),
      fifth: new Map(),
      sixth: new Map(),
    };
    const sizes: Record<Half, number> = {
      tune: 0,
      'held-out': 0,
      fresh: 0,
      third: 0,
      fourth: 0,
      fifth: 0,
      sixth: 0,
    };
    const lines: string[] = [];
    for (const [index, question] of QUESTIONS_BY_OTHERS.entries()) {
      const answer = await analyst.ask({ text: question.text });
      const why = mismatch(question.expect, answer);
      const grade: Grade =
        why === undefined ? 'right' : answer.outcome === 'answered' ? 'wrong-confident' : 'missed';
      sizes[halfOf(index)] += 1;
      const half = tally[halfOf(index)];
      half.set(grade, (half.get(grade) ?? 0) + 1);
      if (why !== undefined) lines.push(`  ${halfOf(index)} #${index} [${grade}] ${question.text} — ${why}`);
    }
    for (const [name, half] of Object.entries(tally)) {
      console.log(
        `questions by others, ${name}: ${half.get('right') ?? 0}/${sizes[name as Half]} right, ` +
          `${half.get('wrong-confident') ?? 0} wrong and confident, ${half.get('missed') ?? 0} missed`,
      );
    }
    console.log(lines.join('\n'));
    // Floors: the last measurement's count of right answers (40, 40 and 46 questions).
    expect(tally.tune.get('right') ?? 0).toBeGreaterThanOrEqual(40);
    expect(tally['held-out'].get('right') ?? 0).toBeGreaterThanOrEqual(40);
    // Measured at 29 before this round's fixes, which were then made against it.
    expect(tally.fresh.get('right') ?? 0).toBeGreaterThanOrEqual(46);
    // Measured at 13 before the third round's fixes, which were then made against it.
    expect(tally.third.get('right') ?? 0).toBeGreaterThanOrEqual(40);
    // Written after the third round and measured before any fix: 32 of 41; then tuned on.
    expect(tally.fourth.get('right') ?? 0).toBeGreaterThanOrEqual(41);
    // Written blind after the fourth round and measured before any fix: 31 of 40; then tuned on.
    expect(tally.fifth.get('right') ?? 0).toBeGreaterThanOrEqual(40);
    // Written blind after the fifth round and measured before any fix made against it: 34 of 40; then tuned on.
    expect(tally.sixth.get('right') ?? 0).toBeGreaterThanOrEqual(40);
  }, 120_000);
});
