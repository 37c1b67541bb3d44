import { rmSync } from 'node:fs';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Directories to remove if the process ends before their owners remove them. */
const pending = new Set<string>();

const removeAll = () => {
  for (const dir of pending) rmSync(dir, { recursive: true, force: true });
  pending.clear();
  stopListening();
};

const onSignal = (signal: NodeJS.Signals) => {
  // A command that handles the signal itself (`dbxops start` shuts down gracefully) closes its stores,
  // and the exit listener catches what is left: removing files under a store still open would break it.
  if (process.listenerCount(signal) > 1) return;
  removeAll();
  // No listener is left, so the signal ends the process as if none had been added (Ctrl-C: status 130).
  process.kill(process.pid, signal);
};

function startListening(): void {
  process.on('exit', removeAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function stopListening(): void {
  process.off('exit', removeAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/**
 * Removes `dir` (recursively) if the process exits, or is ended by Ctrl-C, SIGTERM or SIGHUP, before the
 * returned function is called: a scratch store's files must not outlive its process. Call the returned
 * function once the directory is removed, or is to be kept.
 */
export function removeOnExit(dir: string): () => void {
  if (pending.size === 0) startListening();
  pending.add(dir);
  return () => {
    if (!pending.delete(dir)) return;
    if (pending.size === 0) stopListening();
  };
}
