// A lone collector on its SQLite file holds every shard from its start: /readyz names the database
// and lists shards 0..63, and /metrics has the cluster gauges.
import { afterEach, expect, it } from 'vitest';
import { SHARD_COUNT } from '../../collector/store/cluster-types.ts';
import { type Built, build } from '../collector/build.ts';

let b: Built;
afterEach(() => b.destroy());

it('readyz reports the database and the 64 shards a lone SQLite collector holds; metrics have the gauges', async () => {
  b = await build({ config: { embeddedRunner: false, retentionIntervalMs: 0 } });
  const ready = await b.get('/readyz');
  expect(ready.statusCode).toBe(200);
  expect(ready.json()).toMatchObject({
    status: 'ready',
    store: 'ok',
    database: { engine: 'sqlite', writable: true },
    shards: Array.from({ length: SHARD_COUNT }, (_, i) => i),
  });
  const leases = await b.app.vigil.store.cluster.leases();
  expect(leases).toHaveLength(SHARD_COUNT);
  expect(new Set(leases.map((l) => l.owner))).toEqual(new Set([b.app.vigil.runtime.cluster.id]));
  const text = (await b.get('/metrics')).body;
  expect(text).toMatch(/^vigil_cluster_shards_held 64$/m);
  expect(text).toMatch(/^vigil_cluster_members 1$/m);
  expect(text).toMatch(/^vigil_cluster_lease_renew_lag_seconds \d/m);
});
