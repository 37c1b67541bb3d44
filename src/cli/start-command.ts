/** `dbxops start` — filled in as the embedded workspace, workers and console land. */
export async function runStart(): Promise<void> {
  process.stderr.write('dbxops start: not wired yet\n');
  process.exitCode = 1;
}
