// Job tickets: read back as issued under the same key; refused when tampered with, for another
// job, or under another key; the key is made once per store and then shared.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueTicket, loadTicketKey, readTicket } from '../../collector/fleet/ticket.ts';
import { openStore } from '../../collector/store/open.ts';

const job = {
  jobId: 'ab12-7',
  historyId: 3,
  monitorId: 'site',
  region: 'eu',
  round: { id: 'r1', purpose: 'scheduled' as const, size: 2 },
  periodic: true,
  due: 1_000,
  deadline: 40_000,
};
const lease = { runnerId: 'eu-1', claimedAt: 1_100, until: 21_100 };

describe('job tickets', () => {
  it('reads back what was issued, refuses anything else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-ticket-'));
    try {
      const store = await openStore({ location: join(dir, 'vigil.db') });
      try {
        const key = await loadTicketKey(store.settings);
        expect((await loadTicketKey(store.settings)).equals(key)).toBe(true);
        const ticket = issueTicket(key, job, lease);
        expect(readTicket(key, job.jobId, ticket)).toEqual({ ...job, lease });
        expect(readTicket(key, 'other', ticket)).toBeNull();
        expect(readTicket(Buffer.alloc(32, 1), job.jobId, ticket)).toBeNull();
        const [body, mac] = ticket.split('.');
        const forged = Buffer.from(
          JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), g: 'us' }),
        ).toString('base64url');
        expect(readTicket(key, job.jobId, `${forged}.${mac}`)).toBeNull();
        expect(readTicket(key, job.jobId, 'garbage')).toBeNull();
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
