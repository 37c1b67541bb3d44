import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { toDate } from './rows.js';

/** The model's draft of an incident, as its card shows it. */
export interface IncidentExplanation {
  readonly text: string;
  /** The model that wrote it, named on the card. */
  readonly model: string;
}

/**
 * The model's plain-words explanation of each incident (migration 0010). One draft per incident: the
 * row is claimed before the model is asked, so two processes, a redelivered job or a reposted card
 * never ask twice; a claim left by a process that died is taken over once it is stale.
 */
export class IncidentExplanationRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Claims the incident's draft for this caller: true when nobody has drafted it, or a claim older than
   * `staleBefore` (wall clock) was left unfinished. A drafted or failed explanation is never redone.
   */
  async claim(incidentId: string, now: number, staleBefore: number): Promise<boolean> {
    const claimed = await this.#db
      .insertInto('incident_explanations')
      .values({ incident_id: incidentId, state: 'drafting', claimed_at: toDate(now) })
      .onConflict((oc) =>
        oc
          .column('incident_id')
          .doUpdateSet({ claimed_at: toDate(now) })
          .where('incident_explanations.state', '=', 'drafting')
          .where('incident_explanations.claimed_at', '<', toDate(staleBefore)),
      )
      .returning('incident_id')
      .executeTakeFirst();
    return claimed !== undefined;
  }

  /**
   * Stores the draft and moves the incident's version on in one transaction, so the notifier sees a
   * newer card and updates every copy in place. False when the incident is gone or already explained.
   */
  async complete(incidentId: string, draft: IncidentExplanation, now: number): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const stored = await trx
        .updateTable('incident_explanations')
        .set({ state: 'drafted', text: draft.text, model: draft.model, drafted_at: toDate(now) })
        .where('incident_id', '=', incidentId)
        .where('state', '=', 'drafting')
        .returning('incident_id')
        .executeTakeFirst();
      if (stored === undefined) return false;
      // The explanation is part of the card, not of the incident's facts: only the version moves, so
      // updated_at and the timeline keep describing the workspace.
      const bumped = await trx
        .updateTable('incidents')
        .set((eb) => ({ version: eb('version', '+', 1) }))
        .where('id', '=', incidentId)
        .executeTakeFirst();
      return bumped.numUpdatedRows > 0n;
    });
  }

  /** Records why there is no draft (the card stays without one); never retried. */
  async fail(incidentId: string, reason: string): Promise<void> {
    await this.#db
      .updateTable('incident_explanations')
      .set({ state: 'failed', reason: reason.slice(0, 500) })
      .where('incident_id', '=', incidentId)
      .where('state', '=', 'drafting')
      .execute();
  }

  /** The drafted explanation, if there is one. */
  async get(incidentId: string): Promise<IncidentExplanation | undefined> {
    const row = await this.#db
      .selectFrom('incident_explanations')
      .select(['text', 'model'])
      .where('incident_id', '=', incidentId)
      .where('state', '=', 'drafted')
      .executeTakeFirst();
    if (row?.text == null || row.model == null) return undefined;
    return { text: row.text, model: row.model };
  }
}
