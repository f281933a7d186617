import type { Migration } from '../migrate.ts';

// Claims on outbox rows, so that one delivery worker of a cluster delivers each row: the worker
// (`claimed_by`, a member or worker id) holds the row until `claimed_until` (epoch ms), renewing
// it while it delivers; settling or rescheduling the row releases it, and an expired claim (its
// collector died mid-delivery) may be taken by another (ARCHITECTURE.md "Incident delivery in a
// cluster"). SQLite has one writer, so the claim needs no row lock; the columns are the same as
// on PostgreSQL so the stores behave alike.
export const outboxClaimsMigration: Migration = {
  version: 8,
  name: 'outbox-claims',
  up: `
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
  `,
};
