// Claims on outbox rows (the SQLite store's migration 8 says what they hold): the delivery worker
// that holds a row (`claimed_by`) and until when (`claimed_until`, epoch ms). The claim and the
// head query find rows through the existing `outbox_pending` index (pending rows of a lane).
export const OUTBOX_CLAIMS_SQL = `
  ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
  ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
`;
