import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { fromDate, toDate } from './rows.js';

/** The kill switch as it was last set while dbxops ran. */
export interface SwitchState {
  readonly on: boolean;
  /** Who flipped it: `cli:<os user>` or `<surface>:<chat user>`. */
  readonly changedBy: string;
  readonly reason: string | null;
  /** Wall clock, epoch ms. */
  readonly changedAt: number;
}

const KILL_SWITCH = 'kill_switch';

/**
 * Switches an operator flips while dbxops runs, shared by every process through the store and read at
 * every press and execution: the remediation kill switch. The policy file's `remediation.kill_switch`
 * is read at start-up; this one takes effect on the next press, without a restart.
 */
export class RemediationSwitchRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The kill switch as last set, or undefined when nobody ever flipped it (off). */
  async killSwitch(): Promise<SwitchState | undefined> {
    const row = await this.#db
      .selectFrom('remediation_switches')
      .selectAll()
      .where('name', '=', KILL_SWITCH)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          on: row.enabled,
          changedBy: row.changed_by,
          reason: row.reason,
          changedAt: fromDate(row.changed_at),
        };
  }

  /** Sets the kill switch; answers whether that changed it (setting it to what it is changes nothing). */
  async setKillSwitch(on: boolean, by: string, reason: string | null, now: number): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const before = await tx
        .selectFrom('remediation_switches')
        .select('enabled')
        .where('name', '=', KILL_SWITCH)
        .forUpdate()
        .executeTakeFirst();
      if ((before?.enabled ?? false) === on) return false;
      const values = { enabled: on, changed_by: by, reason, changed_at: toDate(now) };
      await tx
        .insertInto('remediation_switches')
        .values({ name: KILL_SWITCH, ...values })
        .onConflict((oc) => oc.column('name').doUpdateSet(values))
        .execute();
      return true;
    });
  }
}
