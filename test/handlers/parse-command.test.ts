import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/handlers/parse-command.js';

describe('parseCommand', () => {
  it('reads every subcommand, case-insensitively, keeping argument case', () => {
    expect(parseCommand('HELP')).toEqual({ name: 'help' });
    expect(parseCommand('incidents')).toEqual({ name: 'incidents' });
    expect(parseCommand('incidents p2')).toEqual({ name: 'incidents', severity: 'P2' });
    expect(parseCommand('Incidents Data-Eng')).toEqual({ name: 'incidents', team: 'Data-Eng' });
    expect(parseCommand('status  Nightly Orders ')).toEqual({ name: 'status', job: 'Nightly Orders' });
    expect(parseCommand('ack inc_abc123')).toEqual({ name: 'ack', incidentId: 'inc_abc123' });
  });

  it('reads resolve, what fixed an incident, and the kill switch', () => {
    expect(parseCommand('resolve inc_abc123')).toEqual({ name: 'resolve', incidentId: 'inc_abc123' });
    expect(parseCommand('Fixed inc_abc123 Rerun the job')).toEqual({
      name: 'fixed',
      incidentId: 'inc_abc123',
      fix: 'Rerun the job',
    });
    expect(parseCommand('kill-switch ON bad deploy')).toEqual({
      name: 'kill_switch',
      state: 'on',
      reason: 'bad deploy',
    });
    expect(parseCommand('kill-switch status ignored')).toEqual({
      name: 'kill_switch',
      state: 'status',
      reason: '',
    });
  });

  it('explains a malformed resolve, fixed or kill-switch', () => {
    expect(parseCommand('resolve')).toMatchObject({
      name: 'unknown',
      problem: expect.stringContaining('which incident'),
    });
    expect(parseCommand('resolve inc|1; drop')).toMatchObject({ name: 'unknown' });
    expect(parseCommand('fixed inc_abc123')).toMatchObject({
      name: 'unknown',
      problem: expect.stringContaining('what fixed it'),
    });
    expect(parseCommand('fixed <!channel> it')).toMatchObject({ name: 'unknown' });
    expect(parseCommand('kill-switch maybe')).toMatchObject({
      name: 'unknown',
      problem: expect.stringContaining('on, off or status'),
    });
  });

  it('treats pasted whitespace (newlines, non-breaking spaces) like spaces', () => {
    expect(parseCommand('status\u00a0nightly\norders')).toEqual({ name: 'status', job: 'nightly orders' });
  });

  it('explains missing or malformed arguments', () => {
    expect(parseCommand('status')).toMatchObject({
      name: 'unknown',
      problem: expect.stringContaining('which job'),
    });
    expect(parseCommand('ack')).toMatchObject({
      name: 'unknown',
      problem: expect.stringContaining('which incident'),
    });
    expect(parseCommand('ack inc|1; drop')).toMatchObject({ name: 'unknown' });
  });

  it('refuses oversized input and cuts echoed words', () => {
    expect(parseCommand('x'.repeat(2_001))).toMatchObject({ name: 'unknown' });
    const odd = parseCommand(`${'z'.repeat(500)} now`);
    expect(odd.name === 'unknown' && odd.problem.length).toBeLessThan(100);
  });

  it('splits /dbx cost into what to cost and a trailing period', () => {
    expect(parseCommand('cost')).toEqual({ name: 'cost', target: '', period: '' });
    expect(parseCommand('cost Finance')).toEqual({ name: 'cost', target: 'Finance', period: '' });
    expect(parseCommand('cost finance 30d')).toEqual({ name: 'cost', target: 'finance', period: '30d' });
    expect(parseCommand('cost team:finance Last Month')).toEqual({
      name: 'cost',
      target: 'team:finance',
      period: 'last month',
    });
    expect(parseCommand('cost cost_center=CC-100 past 2 days')).toEqual({
      name: 'cost',
      target: 'cost_center=CC-100',
      period: 'past 2 days',
    });
    expect(parseCommand('cost yesterday')).toEqual({ name: 'cost', target: '', period: 'yesterday' });
  });

  it('refuses a cost target longer than any tag can be', () => {
    expect(parseCommand(`cost ${'t'.repeat(401)}`)).toMatchObject({
      name: 'unknown',
      problem: expect.stringContaining('longer than 400'),
    });
  });
});
