import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * What one kind of repository knows of a database only this process writes (an embedded PGlite store):
 * one state per database, shared by every repository of that kind over it, made on first use.
 */
export function soleWriterState<T extends object>(
  states: WeakMap<Kysely<Database>, T>,
  db: Kysely<Database>,
  create: () => T,
): T {
  let state = states.get(db);
  if (state === undefined) {
    state = create();
    states.set(db, state);
  }
  return state;
}
