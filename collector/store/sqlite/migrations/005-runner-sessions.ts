import type { Migration } from '../migrate.ts';

// Runner sessions bound to their region key, with a lifetime; late results kept apart.
// - runners.key_fingerprint: fingerprint of the region key that made the session
//   (collector/fleet/keys.ts); a session whose key is no longer configured is revoked.
// - runners.expires_at: the session ends here unless renewed (epoch ms; null for the embedded
//   runner). Sessions stored before this version were bound to no key: they end now (their runners
//   get 401 VIGIL_ERR_RUNNER_UNKNOWN and register again with their key). Their token was already
//   kept as sha256 only; the hash is overwritten so no earlier token can match a row again.
// - checks.late: 1 for a result that arrived after its round was over (stored for the history,
//   never a vote).
export const runnerSessionsMigration: Migration = {
  version: 5,
  name: 'runner-sessions',
  up: `
    ALTER TABLE runners ADD COLUMN key_fingerprint TEXT;
    ALTER TABLE runners ADD COLUMN expires_at INTEGER;
    UPDATE runners
      SET deregistered_at = coalesce(deregistered_at, CAST(unixepoch('subsec') * 1000 AS INTEGER)),
          token_hash = 'revoked:' || id;

    ALTER TABLE checks ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
  `,
};
