// Write transactions of two collectors on one PostgreSQL schema (two stores, two pools): a real
// deadlock between them is retried by the store instead of failing a write, and two applies at
// once are serialised by the sync lock with the stale-plan check inside it (one applies, the
// other is refused as stale).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../collector/http/errors.ts';
import { openPostgresStore, type PostgresStore } from '../../collector/store/postgres/index.ts';
import { loadFingerprintKey } from '../../collector/sync/fingerprint.ts';
import { sync } from '../../collector/sync/sync-service.ts';
import { dropSchema, freshSchema, PG_URL, requirePostgres, schemaUrl } from '../store/postgres-support.ts';

if (await requirePostgres('cluster: write transactions')) {
  const schema = freshSchema();
  let a: PostgresStore;
  let b: PostgresStore;
  beforeAll(async () => {
    a = await openPostgresStore({ url: schemaUrl(schema) });
    b = await openPostgresStore({ url: schemaUrl(schema) });
    await a.db.write(async (tx) => {
      await tx.run("INSERT INTO settings (key, value) VALUES ('x', '0'), ('y', '0')");
    });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dropSchema(schema);
  });

  /** A promise and its resolver. */
  function signal(): { promise: Promise<void>; fire: () => void } {
    let fire = () => undefined as void;
    const promise = new Promise<void>((resolve) => {
      fire = resolve;
    });
    return { promise, fire };
  }

  describe('two collectors on one schema', () => {
    it('a deadlock between their write transactions is retried: both writes succeed', async () => {
      // a locks x then wants y; b locks y then wants x. PostgreSQL aborts one with 40P01; the
      // store rolls it back and runs it again, after the other committed.
      const aHasX = signal();
      const bHasY = signal();
      let aRuns = 0;
      let bRuns = 0;
      const writeA = a.db.write(async (tx) => {
        aRuns += 1;
        await tx.run("UPDATE settings SET value = (value::int + 1)::text WHERE key = 'x'");
        aHasX.fire();
        await bHasY.promise;
        await tx.run("UPDATE settings SET value = (value::int + 1)::text WHERE key = 'y'");
        return 'a';
      });
      const writeB = b.db.write(async (tx) => {
        bRuns += 1;
        await tx.run("UPDATE settings SET value = (value::int + 10)::text WHERE key = 'y'");
        bHasY.fire();
        await aHasX.promise;
        await tx.run("UPDATE settings SET value = (value::int + 10)::text WHERE key = 'x'");
        return 'b';
      });
      const outcomes = await Promise.allSettled([writeA, writeB]);
      console.log(
        `deadlock: outcomes ${outcomes.map((o) => o.status).join(',')}, runs a=${aRuns} b=${bRuns}, retries a=${a.db.conflictRetries} b=${b.db.conflictRetries}`,
      );
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
      // Exactly one of them lost the deadlock and ran twice.
      expect(a.db.conflictRetries + b.db.conflictRetries).toBe(1);
      expect(aRuns + bRuns).toBe(3);
      // Both committed once each: x and y hold 1 + 10.
      const rows = await a.db.reader.all<{ key: string; value: string }>(
        "SELECT key, value FROM settings WHERE key IN ('x', 'y') ORDER BY key",
      );
      expect(rows).toEqual([
        { key: 'x', value: '11' },
        { key: 'y', value: '11' },
      ]);
    });

    it('two applies at once through two collectors: one applies, the other is a stale plan (409)', async () => {
      const monitors = [{ id: 'shop', name: 'Shop', url: 'https://shop.example.invalid/' }];
      // One key for the cluster: both read it from the shared settings.
      const fingerprintKey = await loadFingerprintKey(a.settings);
      expect(await loadFingerprintKey(b.settings)).toEqual(fingerprintKey);
      const deps = (store: PostgresStore) => ({
        monitors: store.monitors,
        fingerprintKey,
        now: () => Date.UTC(2026, 0, 5, 10),
      });
      // The plan both were shown.
      const plan = await sync(deps(a), { monitors, dryRun: true, revision: null });
      // Both applies reach the lock while a third session holds it, so both have read nothing yet
      // when it is released: only the lock decides who reads the state first.
      const holder = new pg.Client({ connectionString: PG_URL });
      await holder.connect();
      const key = `vigil:sync:${schema}`;
      await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
      const request = { monitors, expectedPlanId: plan.planId, revision: 'r1' };
      const applies = [sync(deps(a), request), sync(deps(b), request)];
      // (Without the lock in the store, the applies would not wait: then they settle first.)
      await Promise.race([waitForLockWaiters(holder, 2), Promise.allSettled(applies)]);
      await holder.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
      await holder.end();
      const outcomes = await Promise.allSettled(applies);
      const applied = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
      console.log(
        `applies: ${applied.length} applied, refused: ${refused.map((e) => (e as VigilError).code ?? String(e)).join(',')}`,
      );
      expect(applied).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toBeInstanceOf(VigilError);
      expect((refused[0] as VigilError).code).toBe('VIGIL_ERR_STALE_PLAN');
      expect((await a.monitors.list()).map((m) => [m.id, m.revision])).toEqual([['shop', 1]]);
    });
  });
}

/** Waits until `count` other sessions wait for an advisory lock. */
async function waitForLockWaiters(client: pg.Client, count: number): Promise<void> {
  for (;;) {
    const { rows } = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
    );
    if (Number(rows[0]!.n) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
