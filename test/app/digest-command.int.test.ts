import { describe, expect, it } from 'vitest';
import { buildDigestOutput } from '../../src/app/digest-command.js';
import { loadEnv } from '../../src/config/env.js';
import { DbxopsError } from '../../src/domain/errors.js';

const env = loadEnv({ LOG_LEVEL: 'silent' });
const print = { print: true, weekly: false, json: false };

async function refusal(options: Parameters<typeof buildDigestOutput>[0]): Promise<DbxopsError> {
  const error = await buildDigestOutput(options, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DbxopsError);
  return error as DbxopsError;
}

describe('dbxops digest', () => {
  it('asks for --print instead of doing nothing', async () => {
    const error = await refusal({ ...print, print: false });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/Add --print/);
  });

  it.each([
    ['a time without a zone', '2026-11-22T07:00:00'],
    ['words', 'yesterday'],
    ['an impossible date', '2026-13-45T07:00:00Z'],
    ['something huge and hostile', `<script>${'9'.repeat(100_000)}Z`],
  ])('refuses --at given %s, naming the format it wants', async (_label, at) => {
    const error = await refusal({ ...print, at });
    expect(error.details).toEqual({ option: '--at' });
    expect(error.message).toMatch(/ISO time with a zone, e\.g\. 2026-11-22T07:00:00Z/);
    expect(error.message.length).toBeLessThan(200);
  });

  it('prints a day before the workspace has history with its missing sections saying why', async () => {
    const text = await buildDigestOutput(
      { ...print, scenario: 'scenarios/demo.yaml', hours: 1, seed: 42 },
      env,
    );
    expect(text.split('\n')[0]).toBe('Daily digest · acme-prod · 2026-11-19');
    expect(text).toContain('• No incidents on 2026-11-19.');
    expect(text).toMatch(
      /Spend on 2026-11-19\n-+\n {2}Missing: system\.billing\.usage holds no usage for 2026-11-19: it is late, or the day is before its history/,
    );
    expect(text).toMatch(
      /SLAs on 2026-11-19\n-+\n {2}Missing: system\.lakeflow\.job_run_timeline holds no finished runs for 2026-11-19/,
    );
    expect(text).toContain('No approval is waiting.');
    expect(text).toContain('No remediation ran on 2026-11-19.');
  }, 600_000);

  it('prints every figure as JSON with --json, and the weekly summary with --weekly', async () => {
    const json = JSON.parse(
      await buildDigestOutput(
        {
          ...print,
          json: true,
          weekly: true,
          scenario: 'scenarios/demo.yaml',
          hours: 1,
          seed: 42,
          at: '2026-11-20T00:30:00+00:00',
        },
        env,
      ),
    ) as { kind: string; generatedAt: number; week: { date: string } };
    expect(json.kind).toBe('weekly');
    expect(json.generatedAt).toBe(Date.parse('2026-11-20T00:30:00Z'));
    expect(json.week.date).toBe('2026-11-09');
  }, 600_000);
});
