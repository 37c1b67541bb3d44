// The embedded store's write-ahead log over many writes, with and without its checkpoints. Prints;
// passes or fails on nothing.
//
//   node --import tsx bench/store-wal.bench.ts [saves, default 6000] [saves between checkpoints, default 500]
//
// Opens the store as `dbxops start`'s embedded mode does (PGlite in memory) and saves detector state
// through the real repository, a few KB of run ids a save as a poll's judgement leaves. The checkpoint
// timer is driven by the number of saves instead of the wall clock, so both rows write the same.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { openStore, type Store } from '../src/store/open-store.js';
import { createRepositories } from '../src/store/repositories.js';

const saves = Number(process.argv[2] ?? 6_000);
const every = Number(process.argv[3] ?? 500);
const MB = 1024 * 1024;

async function wal(store: Store) {
  const { rows } = await sql<{ held: string; written: string }>`
    select (select coalesce(sum(size), 0) from pg_ls_waldir())::text as held,
           pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text as written`.execute(store.db);
  return { held: Number(rows[0]!.held) / MB, written: Number(rows[0]!.written) / MB };
}

async function run(checkpoints: boolean) {
  let tick: () => Promise<void> = async () => {};
  const store = await openStore({
    dataDir: 'memory://',
    checkpoints: {
      repeat: (_everyMs, t) => {
        tick = t;
        return () => {};
      },
    },
  });
  const repos = createRepositories(store.db, { soleWriter: true });
  const start = await wal(store);
  let most = start.held;
  const lines: string[] = [];
  for (let i = 1; i <= saves; i++) {
    await repos.detectorState.locked('ws', async (scope) => {
      const { seq } = await scope.since(0);
      const runs = Array.from({ length: 100 }, (_, r) =>
        createHash('sha256').update(`${i}/${r}`).digest('hex'),
      );
      await scope.save(seq + 1, [{ part: 'failure-rate', key: `job-${i % 20}`, value: { runs } }], i);
    });
    if (i % every === 0) {
      const now = await wal(store);
      most = Math.max(most, now.held);
      if (checkpoints) await tick();
      if (i % (saves / 4) === 0)
        lines.push(
          `${i} saves: ${(now.written - start.written).toFixed(1)} MB written, ${now.held.toFixed(0)} MB held`,
        );
    }
  }
  const end = await wal(store);
  await store.close();
  console.log(
    `${checkpoints ? `checkpoint every ${every} saves` : 'no checkpoint'}: held ${start.held.toFixed(0)} MB at start, ` +
      `${end.held.toFixed(0)} MB at the end, at most ${most.toFixed(0)} MB; ${(end.written - start.written).toFixed(1)} MB written`,
  );
  for (const line of lines) console.log(`  ${line}`);
}

await run(false);
await run(true);
