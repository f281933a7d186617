// Rules across monitors (across files, for the loader): ids are unique, and `renamed_from`
// neither names a live monitor, nor the monitor itself, nor is claimed twice.
import type { DiagnosticCode } from '../codes.ts';

export interface IdentityEntry {
  /** The id when it is a valid id; undefined otherwise (the schema reports it). */
  id: string | undefined;
  renamedFrom: string | undefined;
  /** Where a field of this monitor is, for messages: `monitors/api.yml:4:9`. */
  place(field: 'id' | 'renamed_from'): string;
}

export type IdentityReport = (
  entry: number,
  field: 'id' | 'renamed_from',
  code: DiagnosticCode,
  message: string,
  hint: string,
) => void;

export function checkIdentities(entries: readonly IdentityEntry[], report: IdentityReport): void {
  const byId = new Map<string, number>();
  entries.forEach((entry, index) => {
    if (entry.id === undefined) return;
    const first = byId.get(entry.id);
    if (first === undefined) {
      byId.set(entry.id, index);
      return;
    }
    report(
      index,
      'id',
      'duplicate_id',
      `id \`${entry.id}\` is already used by the monitor at ${entries[first]?.place('id')}`,
      'ids must be unique across all monitor files; give one of them another id',
    );
  });

  const byRenamed = new Map<string, number>();
  entries.forEach((entry, index) => {
    const old = entry.renamedFrom;
    if (old === undefined) return;
    if (old === entry.id) {
      report(
        index,
        'renamed_from',
        'renamed_from_self',
        `\`renamed_from\` \`${old}\` is this monitor's own id`,
        'set it to the id the monitor had before, or remove it',
      );
      return;
    }
    const live = byId.get(old);
    if (live !== undefined) {
      report(
        index,
        'renamed_from',
        'renamed_from_collision',
        `\`renamed_from\` \`${old}\` is the id of a live monitor at ${entries[live]?.place('id')}`,
        'a rename takes over the history of an id that no longer exists; remove `renamed_from` or rename the other monitor',
      );
      return;
    }
    const first = byRenamed.get(old);
    if (first !== undefined) {
      report(
        index,
        'renamed_from',
        'renamed_from_duplicate',
        `\`${old}\` is already taken over by \`renamed_from\` at ${entries[first]?.place('renamed_from')}`,
        `only one monitor can inherit the history of \`${old}\`; remove one of the two`,
      );
      return;
    }
    byRenamed.set(old, index);
  });
}
