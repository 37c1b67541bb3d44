/**
 * Id prefixes of the tune rows that were once blind splits, gathered by people who never read the
 * classifier (`unseen-`, `unseen3-`, `u4-` … `u14b-`). The corpus test and the learned classifier's
 * benchmark both tell them apart; a new blind split that joins tune is added here once.
 */
const GATHERED_BLIND_PREFIXES: readonly string[] = [
  'u4-',
  'u5-',
  'u6-',
  'u7-',
  'u8-',
  'u9-',
  'u10-',
  'u11a-',
  'u11b-',
  'u12a-',
  'u12b-',
  'u13a-',
  'u13b-',
  'u14a-',
  'u14b-',
  'unseen-',
  'unseen3-',
];

/** Whether a corpus row's id is one of a former blind split's (`GATHERED_BLIND_PREFIXES`). */
export const gatheredBlind = (id: string): boolean => GATHERED_BLIND_PREFIXES.some((p) => id.startsWith(p));
