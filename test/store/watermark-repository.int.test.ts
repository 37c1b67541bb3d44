import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { WatermarkRepository } from '../../src/store/watermark-repository.js';
import { dialects } from './dialects.js';

const T0 = Date.UTC(2024, 4, 1, 2, 0, 0);

describe.each(dialects())('WatermarkRepository on $name', (dialect) => {
  let store: Store;
  let watermarks: WatermarkRepository;

  beforeAll(async () => {
    store = await dialect.open();
    // As the app has it: on PGlite the process is the store's sole writer and lists from memory.
    watermarks = new WatermarkRepository(store.db, { soleWriter: store.dialect === 'pglite' });
  });
  afterAll(async () => {
    await store?.close();
    await dialect.stop();
  });

  it('lists what was written last, also when a write lands while a list is being read', async () => {
    const ws = `ws-${randomUUID()}`;
    await watermarks.advance(ws, 'runs', { lastSeenAt: T0 }, T0);
    const reading = watermarks.list(ws);
    await watermarks.advanceAll(ws, [{ source: 'billing', position: { lastSeenAt: T0 + 1 } }], T0 + 1);
    await reading;
    await watermarks.reset(ws, 'runs_active', { lastSeenAt: null }, T0 + 2);
    await watermarks.advance(ws, 'runs', { lastSeenAt: T0 - 1 }, T0 + 3);
    expect((await watermarks.list(ws)).map((w) => [w.source, w.lastSeenAt, w.updatedAt])).toEqual([
      ['billing', T0 + 1, T0 + 1],
      ['runs', T0, T0],
      ['runs_active', null, T0 + 2],
    ]);
  });

  it('has no watermark for a source never read', async () => {
    expect(await watermarks.get(`ws-${randomUUID()}`, 'jobs.runs')).toBeNull();
  });

  it('advances and reads back the last seen time and id', async () => {
    const ws = `ws-${randomUUID()}`;
    const stored = await watermarks.advance(
      ws,
      'jobs.runs',
      { lastSeenAt: T0, lastSeenId: '9007199254740993' },
      T0 + 5,
    );
    expect(stored).toEqual({
      workspaceId: ws,
      source: 'jobs.runs',
      lastSeenAt: T0,
      lastSeenId: '9007199254740993',
      updatedAt: T0 + 5,
    });
    expect(await watermarks.get(ws, 'jobs.runs')).toEqual(stored);
  });

  it('never moves backwards when a slow worker reports an older position', async () => {
    const ws = `ws-${randomUUID()}`;
    await watermarks.advance(ws, 'jobs.runs', { lastSeenAt: T0 + 1_000, lastSeenId: 'b' }, T0 + 2_000);
    const after = await watermarks.advance(ws, 'jobs.runs', { lastSeenAt: T0, lastSeenId: 'a' }, T0 + 3_000);
    expect(after).toMatchObject({ lastSeenAt: T0 + 1_000, lastSeenId: 'b' });
  });

  it('advances several sources at once, each never backwards, and leaves the others alone', async () => {
    const ws = `ws-${randomUUID()}`;
    await watermarks.advance(ws, 'billing', { lastSeenAt: T0 + 5_000 }, T0);
    await watermarks.advance(ws, 'audit', { lastSeenAt: T0 }, T0);
    await watermarks.advanceAll(
      ws,
      [
        { source: 'billing', position: { lastSeenAt: T0 + 1_000 } },
        { source: 'table_loads', position: { lastSeenAt: T0 + 2_000 } },
      ],
      T0 + 3_000,
    );
    await watermarks.advanceAll(ws, [], T0 + 4_000);
    expect((await watermarks.list(ws)).map((w) => [w.source, w.lastSeenAt])).toEqual([
      ['audit', T0],
      ['billing', T0 + 5_000],
      ['table_loads', T0 + 2_000],
    ]);
  });

  it('keeps sources and workspaces apart and lists them by source', async () => {
    const ws = `ws-${randomUUID()}`;
    await watermarks.advance(ws, 'system.access.audit', { lastSeenAt: T0 }, T0);
    await watermarks.advance(ws, 'jobs.runs', { lastSeenAt: T0 + 1 }, T0);
    await watermarks.advance(`ws-${randomUUID()}`, 'jobs.runs', { lastSeenAt: T0 + 2 }, T0);
    expect((await watermarks.list(ws)).map((w) => [w.source, w.lastSeenAt])).toEqual([
      ['jobs.runs', T0 + 1],
      ['system.access.audit', T0],
    ]);
  });

  it('lets an operator reset a watermark backwards on purpose', async () => {
    const ws = `ws-${randomUUID()}`;
    await watermarks.advance(ws, 'jobs.runs', { lastSeenAt: T0 + 1_000 }, T0);
    expect(await watermarks.reset(ws, 'jobs.runs', { lastSeenAt: T0 - 86_400_000 }, T0)).toMatchObject({
      lastSeenAt: T0 - 86_400_000,
    });
  });

  it('ends on the newest position when workers advance concurrently', async () => {
    const ws = `ws-${randomUUID()}`;
    await Promise.all(
      [5, 1, 9, 3, 7].map((n) =>
        watermarks.advance(ws, 'jobs.runs', { lastSeenAt: T0 + n, lastSeenId: `r${n}` }, T0),
      ),
    );
    expect(await watermarks.get(ws, 'jobs.runs')).toMatchObject({ lastSeenAt: T0 + 9, lastSeenId: 'r9' });
  });
});

describe('watermarks on a PGlite data directory', () => {
  it('survive closing and reopening the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbxops-pglite-'));
    try {
      const first = await openStore({ dataDir: dir });
      await new WatermarkRepository(first.db).advance(
        'ws1',
        'jobs.runs',
        { lastSeenAt: T0, lastSeenId: 'run-7' },
        T0,
      );
      await first.close();
      const second = await openStore({ dataDir: dir });
      try {
        expect(await new WatermarkRepository(second.db).get('ws1', 'jobs.runs')).toMatchObject({
          lastSeenAt: T0,
          lastSeenId: 'run-7',
        });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('watermarks of a sole writer', () => {
  it('are not written again when a poll ends where the last one did, and are when they move', async () => {
    const store = await openStore({ dataDir: 'memory://' });
    try {
      const sole = new WatermarkRepository(store.db, { soleWriter: true });
      const table = new WatermarkRepository(store.db);
      await sole.list('ws1');
      await sole.advance('ws1', 'runs', { lastSeenAt: T0, lastSeenId: 'run-7' }, T0);
      await sole.reset('ws1', 'runs_active', { lastSeenAt: null }, T0);
      await sole.advanceAll('ws1', [{ source: 'audit', position: { lastSeenAt: T0 } }], T0);

      const later = T0 + 60_000;
      expect(await sole.advance('ws1', 'runs', { lastSeenAt: T0, lastSeenId: 'run-7' }, later)).toMatchObject(
        {
          lastSeenAt: T0,
          updatedAt: T0,
        },
      );
      await sole.reset('ws1', 'runs_active', { lastSeenAt: null }, later);
      await sole.advanceAll(
        'ws1',
        [
          { source: 'audit', position: { lastSeenAt: T0 } },
          { source: 'billing', position: { lastSeenAt: later } },
        ],
        later,
      );
      expect((await table.list('ws1')).map((w) => [w.source, w.updatedAt])).toEqual([
        ['audit', T0],
        ['billing', later],
        ['runs', T0],
        ['runs_active', T0],
      ]);

      await sole.advance('ws1', 'runs', { lastSeenAt: T0 + 1, lastSeenId: 'run-8' }, later);
      await sole.reset('ws1', 'runs_active', { lastSeenAt: T0 - 5 }, later);
      expect((await table.list('ws1')).map((w) => [w.source, w.lastSeenAt, w.updatedAt])).toEqual([
        ['audit', T0, T0],
        ['billing', later, later],
        ['runs', T0 + 1, later],
        ['runs_active', T0 - 5, later],
      ]);
      expect(await sole.list('ws1')).toEqual(await table.list('ws1'));
    } finally {
      await store.close();
    }
  });
});
