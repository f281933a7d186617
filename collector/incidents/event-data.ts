// The incident as structured data for machine receivers (the webhook's `incident` object).
import type { OperationSnapshot } from '../domain/operation-snapshot.ts';

const iso = (at: number | null): string | null => (at === null ? null : new Date(at).toISOString());

export function eventData(snapshot: OperationSnapshot): Record<string, unknown> {
  const { alert } = snapshot;
  return {
    id: alert.id,
    kind: alert.kind,
    status: snapshot.op === 'resolve' ? 'resolved' : 'open',
    monitor:
      alert.monitor === null
        ? null
        : {
            id: alert.monitor.id,
            name: alert.monitor.name,
            method: alert.monitor.method,
            url: alert.monitor.url,
          },
    region: alert.kind === 'region' ? alert.subject : null,
    start: iso(alert.start),
    end: snapshot.op === 'resolve' ? iso(alert.end ?? alert.lastFailure) : null,
    lastFailure: iso(alert.lastFailure),
    failedChecks: alert.failedChecks,
    reason: alert.reason,
    score: alert.score,
    certificate: alert.certificate,
    votes: alert.votes.map((v) => ({
      region: v.region,
      ok: v.ok,
      reason: v.reason,
      status: v.status,
      at: iso(v.at),
    })),
  };
}
