// Two collectors' timing ticks over the same alerts at once (two stores, two pools, one PostgreSQL
// schema): an operation that became due is queued once, not once per collector, because the
// recorder reads each alert again inside its transaction and that read locks the alert's row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertRecorder } from '../../collector/incidents/recorder.ts';
import { openPostgresStore, type PostgresStore } from '../../collector/store/postgres/index.ts';
import { makeAlert, T0 } from '../incidents/fixtures.ts';
import { contractContext } from '../store/contract/context.ts';
import { batch, checkRecord, tlsDetail } from '../store/fixtures.ts';
import { dropSchema, freshSchema, requirePostgres, schemaUrl } from '../store/postgres-support.ts';

const ALERTS = 40;
const log = { info() {}, warn() {}, error() {} };

if (await requirePostgres('cluster: timing ticks')) {
  const schema = freshSchema();
  let a: PostgresStore;
  let b: PostgresStore;
  beforeAll(async () => {
    a = await openPostgresStore({ url: schemaUrl(schema) });
    b = await openPostgresStore({ url: schemaUrl(schema) });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dropSchema(schema);
  });

  describe('two collectors tick over one set of alerts', () => {
    it('an open that became due is queued once, whichever ticks first', async () => {
      // Down alerts not announced yet, of monitors without settings (`after` 0): due at once.
      const alerts = Array.from({ length: ALERTS }, (_, i) => {
        const id = `m${i}:down:${T0}`;
        return makeAlert({ id, incidentIds: [id], subject: `m${i}`, monitorId: `m${i}` });
      });
      await a.alerts.write(async (tx) => {
        for (const alert of alerts) await tx.saveAlert(alert);
      });
      const recorder = (store: PostgresStore) =>
        new AlertRecorder({
          alerts: store.alerts,
          monitors: store.monitors,
          sinks: ['github'],
          clock: () => T0 + 1000,
          log,
        });
      const changed = await Promise.all([recorder(a).tick(), recorder(b).tick()]);
      const opens = (await Promise.all(alerts.map((alert) => a.alerts.outbox(alert.id)))).flat();
      console.log(
        `ticks: each saw ${changed.join(' and ')} due; ${opens.length} open rows for ${ALERTS} alerts`,
      );
      expect(opens.map((row) => row.op)).toEqual(Array(ALERTS).fill('open'));
      expect((await a.alerts.active()).every((alert) => alert.announcedAt === T0 + 1000)).toBe(true);
    });

    it('an expiring certificate both watches see is opened once', async () => {
      const lineages = await contractContext(() => a).seed(ALERTS);
      const recorders = [a, b].map(
        (store) =>
          new AlertRecorder({
            alerts: store.alerts,
            monitors: store.monitors,
            sinks: ['github'],
            clock: () => T0 + 2000,
            log,
          }),
      );
      for (const r of recorders) await r.start();
      // One check per monitor seeing a certificate 6 days from expiry (the warning is at 14).
      const detail = tlsDetail('2026-01-12T00:00:00.000Z', 6);
      await a.runtime.flush(
        batch({
          checks: [...lineages.values()].map((h) =>
            checkRecord(`t${h}`, h, T0 + 1000, true, { tlsDaysLeft: 6, detail }),
          ),
        }),
      );
      const changed = await Promise.all(recorders.map((r) => r.tick()));
      const certificates = (await a.alerts.active()).filter((alert) => alert.kind === 'certificate');
      const rows = (await Promise.all(certificates.map((alert) => a.alerts.outbox(alert.id)))).flat();
      console.log(
        `certificate watch: each saw ${changed.join(' and ')} changes; ${certificates.length} alerts, ${rows.length} open rows`,
      );
      expect(certificates).toHaveLength(ALERTS);
      expect(rows.map((row) => row.op)).toEqual(Array(ALERTS).fill('open'));
    });
  });
}
