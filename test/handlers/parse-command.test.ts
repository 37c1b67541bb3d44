import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/handlers/parse-command.js';

describe('parseCommand', () => {
  it('reads every subcommand, case-insensitively, keeping argument case', () => {
    expect(parseCommand('HELP')).toEqual({ name: 'help' });
    expect(parseCommand('incidents')).toEqual({ name: 'incidents' });
    expect(parseCommand('incidents p2')).toEqual({ name: 'incidents', severity: 'P2' });
    expect(parseCommand('Incidents Data-Eng')).toEqual({ name: 'incidents', team: 'Data-Eng' });
    expect(parseCommand('status  Nightly Orders ')).toEqual({ name: 'status', job: 'Nightly Orders' });
    expect(parseCommand('status Nightly Orders workspace:"acme prod"')).toEqual({
      name: 'status',
      job: 'Nightly Orders',
      workspace: 'acme prod',
    });
    expect(parseCommand('status workspace:acme-prod')).toMatchObject({ name: 'unknown', word: 'status' });
    expect(parseCommand('status orders workspace:a workspace:b')).toMatchObject({
      name: 'unknown',
      problem: expect.stringContaining('more than one workspace'),
    });
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

  it('takes the workspace /dbx cost and /dbx ask name, wherever the word stands', () => {
    expect(parseCommand('cost team:ads workspace:northlight-prod last week')).toEqual({
      name: 'cost',
      target: 'team:ads',
      period: 'last week',
      workspace: 'northlight-prod',
    });
    expect(parseCommand('cost Workspace:Northlight-Prod')).toEqual({
      name: 'cost',
      target: '',
      period: '',
      workspace: 'Northlight-Prod',
    });
    expect(parseCommand('cost finance 30d workspace:7301928465019283')).toEqual({
      name: 'cost',
      target: 'finance',
      period: '30d',
      workspace: '7301928465019283',
    });
    expect(parseCommand('ask workspace:"acme prod" what failed last night?')).toEqual({
      name: 'ask',
      question: 'what failed last night?',
      workspace: 'acme prod',
    });
    expect(parseCommand('ask what failed today? workspace:northlight-prod')).toEqual({
      name: 'ask',
      question: 'what failed today?',
      workspace: 'northlight-prod',
    });
    // A `workspace` target (the whole workspace's spend) is not a workspace name.
    expect(parseCommand('cost workspace 7d')).toEqual({ name: 'cost', target: 'workspace', period: '7d' });
  });

  it('explains a workspace name it cannot read: empty, unclosed, marked up, too long or given twice', () => {
    const problem = (text: string) => {
      const parsed = parseCommand(text);
      return parsed.name === 'unknown' ? parsed.problem : `parsed as ${parsed.name}`;
    };
    expect(problem('cost workspace:')).toContain('could not be read');
    expect(problem('cost workspace:"acme prod')).toContain('could not be read');
    expect(problem('ask workspace:"" why')).toContain('could not be read');
    expect(problem('cost workspace:<script>alert(1)</script>')).toContain('could not be read');
    expect(problem('ask workspace:`rm` why')).toContain('could not be read');
    expect(problem("cost workspace:a'b")).toContain('could not be read');
    expect(problem(`cost workspace:${'w'.repeat(129)}`)).toContain('longer than 128 characters');
    expect(problem('cost workspace:a workspace:b')).toContain('more than one workspace');
    expect(problem('ask workspace:a workspace:a why')).toContain('more than one workspace');
    // The word alone is no question.
    expect(problem('ask workspace:northlight-prod')).toContain('Tell me the question');
    // What it echoes is short, and never the hostile name.
    expect(problem('cost workspace:<b>x</b>')).not.toContain('<b>');
  });
});
