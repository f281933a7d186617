// The ordered migration list. Append new migrations at the end (version = previous + 1); never
// edit or reorder released ones.
import type { Migration } from '../migrate.ts';
import { monitorsMigration } from './001-monitors.ts';

export const MIGRATIONS: readonly Migration[] = [monitorsMigration];
