import { createInterface } from 'node:readline';
import { classifyJsonl } from '../agents/classifier/classify-jsonl.js';

/** `dbxops classify`: JSONL on stdin → JSONL on stdout, one output line per input line, in order. */
export async function runClassify(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let pending = '';
  await classifyJsonl(lines, (line) => {
    pending += `${line}\n`;
    // Write in blocks: one write per line is slow for large inputs, one write at the end holds it all.
    if (pending.length > 64_000) {
      output.write(pending);
      pending = '';
    }
  });
  if (pending) output.write(pending);
}
