import { hashConsolePassword } from '../bot/console/console-password.js';
import { CONSOLE_USER } from '../bot/console/ids.js';
import { InvalidArgumentError } from '../domain/errors.js';

/**
 * `dbxops console-user <name>`: reads a password (typed without echo, or the first line of a pipe)
 * and prints the `name:scrypt$…` line for `DBXOPS_CONSOLE_USERS_FILE`. The password never reaches
 * argv, where `ps` and shell history would keep it.
 */
export async function runConsoleUser(
  name: string,
  io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): Promise<void> {
  if (!CONSOLE_USER.test(name))
    throw new InvalidArgumentError('A console name is 1–128 letters, digits, . _ @ + or -', { name });
  const password = io.stdin.isTTY
    ? await typed(io.stdin, io.stderr, `Password for ${name}: `)
    : await piped(io.stdin);
  if (password.length < 8) throw new InvalidArgumentError('Use a password of at least 8 characters');
  io.stdout.write(`${name}:${await hashConsolePassword(password)}\n`);
}

async function piped(stdin: NodeJS.ReadStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > 4_096) break;
  }
  return (text.split(/\r?\n/, 1)[0] ?? '').slice(0, 1_024);
}

function typed(stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream, prompt: string): Promise<string> {
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (result: () => void) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      result();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(() => resolve(value));
        if (ch === '\u0003') return done(() => reject(new InvalidArgumentError('Cancelled')));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (value.length < 1_024) value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
