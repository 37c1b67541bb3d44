/**
 * The V8 heap that survives a full collection, in bytes: what a process holds, not what it has yet to
 * collect. Needs `--expose-gc` (`npm run bench:pipeline` passes it); without it, undefined.
 */
export function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  gc();
  return process.memoryUsage().heapUsed;
}
