import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  MAX_BUTTON_VALUE_CHARS,
  MAX_COMMAND_CHARS,
  oversizedInputRefusal,
  oversizedInputText,
} from '../../src/handlers/input-limits.js';

const command = z.object({ text: z.string().max(MAX_COMMAND_CHARS), user: z.string().max(10) });
const press = z.object({ actions: z.array(z.object({ value: z.string().max(MAX_BUTTON_VALUE_CHARS) })) });
const errorOf = (schema: z.ZodType, body: unknown) => {
  const parsed = schema.safeParse(body);
  if (parsed.success) throw new Error('parsed');
  return parsed.error;
};

describe('oversizedInputRefusal', () => {
  it('says a command over 40,000 characters is too long and was not run', () => {
    const error = errorOf(command, { text: 'x'.repeat(100_000), user: 'u' });
    expect(oversizedInputRefusal(error, 'command')).toBe(oversizedInputText('command'));
    expect(oversizedInputText('command')).toMatch(/too long.*over 40,000 characters.*did not run/);
  });

  it('says a button value over 2,000 characters is too long and was not acted on', () => {
    const error = errorOf(press, { actions: [{ value: 'v'.repeat(2_001) }] });
    expect(oversizedInputRefusal(error, 'button')).toMatch(/over 2,000 characters.*did not act/);
  });

  it('leaves other faults to the surface: a missing field, a wrong type, another field too long', () => {
    expect(oversizedInputRefusal(errorOf(command, { user: 'u' }), 'command')).toBeUndefined();
    expect(oversizedInputRefusal(errorOf(command, { text: 5, user: 'u' }), 'command')).toBeUndefined();
    expect(oversizedInputRefusal(errorOf(command, { text: 'ok', user: 'u'.repeat(11) }), 'command')).toBe(
      undefined,
    );
    // A long button value in a command's body is not the command's text.
    const long = errorOf(press, { actions: [{ value: 'v'.repeat(2_001) }] });
    expect(oversizedInputRefusal(long, 'command')).toBeUndefined();
  });

  it('never repeats the input it refuses', () => {
    const hostile = `<script>${'x'.repeat(40_001)}`;
    expect(oversizedInputRefusal(errorOf(command, { text: hostile, user: 'u' }), 'command')).not.toContain(
      '<script>',
    );
  });
});
