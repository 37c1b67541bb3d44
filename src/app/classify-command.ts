import { createInterface } from 'node:readline';
import { classifyJsonl } from '../agents/classifier/classify-jsonl.js';
import { type Env, loadEnv } from '../config/env.js';
import { loadPolicy } from '../config/policy.js';
import { secondOpinionFor } from './classifier-setup.js';
import { openCommandLanguageModel } from './command-language-model.js';

/**
 * `dbxops classify`: JSONL on stdin → JSONL on stdout, one output line per input line, in order. With a
 * language model configured (`OPENAI_API_KEY`, `DBXOPS_LLM_MODEL`), lines the rules leave `unknown` or
 * only guess at get its second opinion, as the monitoring pipeline's do, within the same daily budget.
 */
export async function runClassify(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
  io: { env?: Env } = {},
): Promise<void> {
  const env = io.env ?? loadEnv();
  const policy = await loadPolicy(process.env.DBXOPS_POLICY ?? 'dbxops.yaml');
  const model = await openCommandLanguageModel(env, policy);
  try {
    const secondOpinion = secondOpinionFor(model.language);
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let pending = '';
    await classifyJsonl(
      lines,
      (line) => {
        pending += `${line}\n`;
        // Write in blocks: one write per line is slow for large inputs, one write at the end holds it all.
        if (pending.length > 64_000) {
          output.write(pending);
          pending = '';
        }
      },
      secondOpinion === undefined ? {} : { secondOpinion },
    );
    if (pending) output.write(pending);
  } finally {
    await model.close();
  }
}
