// What an outbox row carries: everything needed to render its message, frozen when the operation
// was queued (the check that failed first may be pruned later, the monitor renamed or deleted).
// Stored as JSON in the outbox; secret values are already redacted when it is built.
import type { Alert, Operation } from './alerts.ts';

export interface OperationSnapshot {
  op: Operation;
  /** The alert as it was when queued (its `monitor` is what the message shows). */
  alert: Alert;
  /** When it was queued. */
  at: number;
}
