import { Command, InvalidArgumentError, Option } from 'commander';
import { useBaselineWasmCompiler } from './app/baseline-wasm-compiler.js';
import { DEFAULT_SCENARIO_FILE } from './config/default-scenario-file.js';
import { DbxopsError } from './domain/errors.js';

/**
 * The `dbxops` command. Each subcommand imports its module lazily so `dbxops classify` does not pay
 * for DuckDB, and a missing optional piece only fails the command that needs it.
 */
const program = new Command()
  .name('dbxops')
  .description('Databricks platform operations from chat: incidents, answers, remediation')
  .showHelpAfterError('(run dbxops --help for usage)')
  .configureOutput({ outputError: (text, write) => write(text) });

const positiveNumber = (label: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${label} must be a positive number`);
  return n;
};
const nonNegativeNumber = (label: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`${label} must be a number ≥ 0`);
  return n;
};
const wholeNumber =
  (label: string, min = 0) =>
  (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${label} must be a whole number ≥ ${min}`);
    return n;
  };

// Help shows a name, not the absolute path of wherever dbxops is installed.
const scenarioOption = () =>
  new Option('--scenario <file>', 'scenario YAML').default(DEFAULT_SCENARIO_FILE, 'the shipped demo');

program
  .command('start')
  .description('run dbxops; with no configuration: the embedded workspace and the local console')
  .action(async () => {
    const { runStart } = await import('./app/start-command.js');
    await runStart();
  });

program
  .command('web')
  .description(
    'scaled out: the HTTP server (console, Slack, Teams, webhooks, health) and card updates; needs REDIS_URL, DATABASE_URL and a workspace',
  )
  .action(async () => {
    const { runStart } = await import('./app/start-command.js');
    await runStart('web');
  });

program
  .command('worker')
  .description(
    'scaled out: webhooks taken in, polls, correlation and remediation; any number of them, on the same REDIS_URL, DATABASE_URL and workspace',
  )
  .action(async () => {
    const { runStart } = await import('./app/start-command.js');
    await runStart('worker');
  });

const sim = program.command('sim').description('the embedded Databricks workspace simulator');

sim
  .command('serve')
  .description('serve a scenario over the Databricks REST API on loopback')
  .addOption(scenarioOption())
  .option(
    '--jobs <n>',
    'instead of a scenario file: a generated workspace with N jobs',
    wholeNumber('--jobs', 1),
  )
  .option('--port <port>', 'port (0 = any free port)', wholeNumber('--port'), 8001)
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--speed <x>', 'simulated seconds per real second (default 60)', positiveNumber('--speed'))
  .option(
    '--wall-clock',
    'place the scenario so that hour --at-hour is now, play its history, then run at 1× with the wall clock',
  )
  .option(
    '--at-hour <h>',
    'with --wall-clock: the scenario hour that is now (default: its end)',
    nonNegativeNumber('--at-hour'),
  )
  .option('--seed <n>', 'random seed', wholeNumber('--seed'), 42)
  .option('--webhook-url <url>', 'send job notification webhooks here')
  .option('--webhook-user <user>', 'Basic auth user for webhooks')
  .option('--webhook-password <password>', 'Basic auth password for webhooks')
  .option('--token <token>', 'personal access token the server accepts', 'dapi-sim-0000')
  .option(
    '--tls',
    'serve HTTPS with a locally generated certificate (prints its CA for NODE_EXTRA_CA_CERTS)',
    false,
  )
  .action(async (opts) => {
    const { runSimServe } = await import('./app/sim-commands.js');
    await runSimServe(opts);
  });

sim
  .command('export')
  .description('run a scenario flat out and write its system tables to a DuckDB file')
  .addOption(scenarioOption())
  .option(
    '--jobs <n>',
    'instead of a scenario file: a generated workspace with N jobs',
    wholeNumber('--jobs', 1),
  )
  .requiredOption('--out <file>', 'the .duckdb file to write')
  .option('--hours <h>', 'simulated hours (default: the scenario duration)', positiveNumber('--hours'))
  .option('--seed <n>', 'random seed', wholeNumber('--seed'), 42)
  .option('--force', 'overwrite the output file if it exists', false)
  .action(async (opts) => {
    const { runSimExport } = await import('./app/sim-commands.js');
    await runSimExport(opts);
  });

program
  .command('eval')
  .description('replay a scenario through the real pipeline and score it against its ground truth')
  .addOption(scenarioOption())
  .option('--seed <n>', 'random seed', wholeNumber('--seed'), 42)
  .option('--step <seconds>', 'simulated seconds between webhook deliveries', positiveNumber('--step'), 30)
  .option('--policy <file>', 'dbxops.yaml to triage with (default: the built-in policy)')
  .option('--hours <h>', 'replay only the first hours of the scenario', positiveNumber('--hours'))
  .option(
    '--responder-delay <seconds>',
    'simulated seconds before the simulated responder presses an incident’s first suggested remediation',
    wholeNumber('--responder-delay'),
    120,
  )
  .option('--json', 'print JSON', false)
  .action(async (opts) => {
    const [{ runEval }, { useReplayHeapGrowth }] = await Promise.all([
      import('./app/eval-command.js'),
      import('./app/replay-heap-growth.js'),
    ]);
    useReplayHeapGrowth();
    await runEval(opts);
  });

program
  .command('digest')
  .description("the daily digest (or the weekly summary) as the managers' channel gets it")
  .option('--print', 'print it here (dbxops start posts it on its schedule)', false)
  .option('--weekly', 'the weekly summary instead of the daily digest', false)
  .option(
    '--at <iso-time>',
    'build it as of this time, e.g. 2026-11-22T07:00:00Z (default: now, or the end of --hours)',
  )
  .option('--json', 'print every figure as JSON', false)
  .option(
    '--scenario <file>',
    'replay this scenario, exactly as dbxops sim export writes it, instead of the configured workspace',
  )
  .option(
    '--hours <h>',
    'with --scenario: replay its first hours (default: all of it)',
    positiveNumber('--hours'),
  )
  .option('--seed <n>', 'with --scenario: random seed (default DBXOPS_SEED, 42)', wholeNumber('--seed'))
  .action(async (opts) => {
    const { runDigest } = await import('./app/digest-command.js');
    await runDigest(opts);
  });

program
  .command('ask')
  .description('answer a question from the system tables, as the bot would in chat')
  .argument('<question>', 'the question, in plain language')
  .option('--json', 'print {"question","sql","columns","rows","summary"}', false)
  .option('--scenario <file>', 'answer from this scenario played into DuckDB (default: the demo, 48 h)')
  .option('--hours <h>', 'simulated hours of the scenario; now is their end', positiveNumber('--hours'))
  .option('--seed <n>', 'random seed', wholeNumber('--seed'), 42)
  .action(async (question: string, opts) => {
    const { runAsk } = await import('./app/ask-command.js');
    await runAsk({ question, ...opts });
  });

program
  .command('classify')
  .description(
    'classify errors: JSONL {"id","message"[,"error_code"]} on stdin → JSONL on stdout; a configured language model labels what the rules cannot',
  )
  .action(async () => {
    const { runClassify } = await import('./app/classify-command.js');
    await runClassify();
  });

program
  .command('console-user')
  .description(
    'print a DBXOPS_CONSOLE_USERS_FILE line for <name>; the password is read from the terminal or stdin',
  )
  .argument('<name>', 'the name to sign in with')
  .action(async (name: string) => {
    const { runConsoleUser } = await import('./app/console-user-command.js');
    await runConsoleUser(name);
  });

const audit = program.command('audit').description('the hash-chained audit log of remediations');

const databaseUrlOption = () =>
  new Option(
    '--database-url <url>',
    'PostgreSQL to read (default: DATABASE_URL, else PGlite in DBXOPS_DATA_DIR)',
  );

audit
  .command('verify')
  .description('check the hash chain and name the first entry that was edited, deleted or reordered')
  .addOption(databaseUrlOption())
  .option('--head <hash>', 'a head hash an earlier verify printed: also check no entry after it was removed')
  .action(async (opts) => {
    const { runAuditVerify } = await import('./app/audit-command.js');
    await runAuditVerify(opts);
  });

audit
  .command('export')
  .description('write every audit entry as one JSON line (stdout, or --out)')
  .addOption(databaseUrlOption())
  .option('--out <file>', 'the JSONL file to write')
  .option('--force', 'overwrite the output file if it exists', false)
  .action(async (opts) => {
    const { runAuditExport } = await import('./app/audit-command.js');
    await runAuditExport(opts);
  });

const remediation = program
  .command('remediation')
  .description('remediation controls that act while dbxops runs');

remediation
  .command('kill-switch')
  .description(
    'on: refuse every remediation press and queued execution at once, in every dbxops process, without a restart; off: allow them again; status: where it stands',
  )
  .argument('<state>', 'on, off or status')
  .addOption(
    new Option(
      '--database-url <url>',
      "a server deployment's PostgreSQL (default: DATABASE_URL); without one, the running dbxops is asked through its console",
    ),
  )
  .option(
    '--url <url>',
    'where the running dbxops serves its console (default: DBXOPS_PUBLIC_URL, else http://127.0.0.1:$PORT)',
  )
  .option('--reason <text>', 'why, recorded with the switch and in the audit log')
  .action(async (state: string, opts) => {
    const { runKillSwitch } = await import('./app/remediation-command.js');
    await runKillSwitch(state, opts);
  });

program.addOption(new Option('--log-level <level>', 'log level').env('LOG_LEVEL').hideHelp());

// Before any command loads PGlite or the SQL translator (see the function for why).
useBaselineWasmCompiler();
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof DbxopsError) {
    process.stderr.write(`dbxops: ${e.message}\n`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
