import type { SettingsStore } from '../types.ts';
import type { SqliteDatabase } from './database.ts';

export class SqliteSettingsStore implements SettingsStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async get(key: string): Promise<string | undefined> {
    const row = await this.#db.reader.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [
      key,
    ]);
    return row?.value;
  }

  setIfAbsent(key: string, value: string): Promise<string> {
    return this.#db.write(async (tx) => {
      await tx.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [
        key,
        value,
      ]);
      const row = await tx.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]);
      return row!.value;
    });
  }
}
