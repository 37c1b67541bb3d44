import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The vitest tag of a test file that keeps a worker busy for a minute or more (the demo's eval, a
 * replay, a run of the bot at an accelerated clock), set by `@module-tag slow` in the file's comment.
 * `npx vitest run --tags-filter='!slow'` leaves them out of a quick local run.
 */
export const SLOW_TAG = 'slow';

// Vitest reads module tags with this pattern (its `detectCodeBlock`); the sequencer runs before it does.
const SLOW_TAG_COMMENT = new RegExp(`(?://|\\*)\\s*@module-tag\\s+${SLOW_TAG}\\b`);

/**
 * Hands the files tagged slow to the workers first, then the rest in vitest's own order.
 *
 * Vitest's own order (its `BaseSequencer`) is by project name, then by each file's duration in the
 * results cache, or, with no cache (CI's fresh clone), by file size, biggest first. Size says little
 * about time: the demo's eval, the longest file, is one of the smallest, and the eval files spend their
 * minutes in `beforeAll`, which vitest's JSON report does not count as file time. Run alone, the
 * acceptance project so ended with the demo's eval alone on one worker for minutes while the
 * other had nothing left; in the whole suite only the integration files queued behind it kept the
 * second worker busy. Longest first is the usual rule for sharing jobs between workers: the short files
 * fill in behind the long ones, and the end of the run has only short files left to share out. The
 * unit project stays last and together: its files share a worker's modules only while they follow
 * each other.
 */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const slow = sorted.filter((file) => isTaggedSlow(file.moduleId));
    return [...slow, ...sorted.filter((file) => !slow.includes(file))];
  }
}

function isTaggedSlow(path: string): boolean {
  return SLOW_TAG_COMMENT.test(readFileSync(path, 'utf8'));
}
