import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './migrations/0001-incidents.js';
import * as m0002 from './migrations/0002-card-posts.js';
import * as m0003 from './migrations/0003-signal-link-keys.js';
import * as m0004 from './migrations/0004-card-post-claims.js';
import * as m0005 from './migrations/0005-approvals-audit-log.js';
import * as m0006 from './migrations/0006-scheduled-posts.js';
import * as m0007 from './migrations/0007-remediation-attempts.js';
import * as m0008 from './migrations/0008-ask-contexts.js';
import * as m0009 from './migrations/0009-incident-fixes-remediation-switches.js';
import * as m0010 from './migrations/0010-model-usage-explanations.js';
import * as m0012 from './migrations/0012-detector-state.js';
import * as m0013 from './migrations/0013-console-history.js';
import * as m0014 from './migrations/0014-signal-outbox.js';
import * as m0015 from './migrations/0015-attempt-approval-expiry.js';

/**
 * Every migration, in order. Static imports instead of a folder scan so the store runs under tsx and
 * bundlers alike. Append new entries (actions, approvals, audit log …); never rename or edit a shipped one.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-incidents': m0001,
  '0002-card-posts': m0002,
  '0003-signal-link-keys': m0003,
  '0004-card-post-claims': m0004,
  '0005-approvals-audit-log': m0005,
  '0006-scheduled-posts': m0006,
  '0007-remediation-attempts': m0007,
  '0008-ask-contexts': m0008,
  '0009-incident-fixes-remediation-switches': m0009,
  '0010-model-usage-explanations': m0010,
  '0012-detector-state': m0012,
  '0013-console-history': m0013,
  '0014-signal-outbox': m0014,
  '0015-attempt-approval-expiry': m0015,
};

/** Hands Kysely's Migrator the static list above. */
export const staticMigrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};
