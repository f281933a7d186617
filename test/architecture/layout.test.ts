// The layout rules of ARCHITECTURE.md, checked on the source tree: modules import only downward
// (no cycle between folders), the store owns all SQL, the layers below the collector never
// import it, and no source file grows past 400 lines.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCycles, moduleOf } from './graph.ts';

const ROOT = normalize(join(import.meta.dirname, '../..'));
const SOURCE_DIRS = [
  'schema',
  'common',
  'probe',
  'runner',
  'client',
  'collector',
  'cli',
  'action/src',
  'scripts',
];
const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const FILES = SOURCE_DIRS.flatMap(sourceFiles);
/** Benchmarks are held to the size rule too; tests and benchmarks to the comment rule. */
const BENCH = sourceFiles('bench');
const TESTS = sourceFiles('test').filter((file) => !file.startsWith('test/architecture/'));
const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Relative imports of one file, as paths from the repository root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => relative(ROOT, join(ROOT, dirname(file), m[1]!)));
}

const EDGES = FILES.flatMap((file) => importsOf(file).map((target) => ({ file, target })));

describe('layout', () => {
  it('would see a new cycle (the check itself)', () => {
    expect(moduleOf('collector/store/sqlite/x.ts')).toBe('collector/store');
    expect(moduleOf('probe/probe.ts')).toBe('probe');
    expect(
      findCycles([
        ['collector/engine', 'collector/verdict'],
        ['collector/verdict', 'collector/domain'],
        ['collector/domain', 'collector/engine'],
        ['probe', 'schema'],
      ]),
    ).toEqual([
      [
        'collector/domain -> collector/engine',
        'collector/engine -> collector/verdict',
        'collector/verdict -> collector/domain',
      ],
    ]);
  });

  it('has no import cycle between modules', () => {
    const edges = EDGES.map(({ file, target }) => [moduleOf(file), moduleOf(target)] as const).filter(
      ([a, b]) => a !== b,
    );
    expect(findCycles(edges)).toEqual([]);
  });

  it('keeps the layers below the collector free of collector imports', () => {
    const lower = ['schema/', 'common/', 'probe/', 'runner/', 'client/'];
    const offending = EDGES.filter(
      ({ file, target }) => lower.some((dir) => file.startsWith(dir)) && target.startsWith('collector/'),
    ).map(({ file, target }) => `${file} -> ${target}`);
    expect(offending).toEqual([]);
  });

  it('opens the SQLite store only inside collector/store', () => {
    const offending = EDGES.filter(
      ({ file, target }) =>
        target.startsWith('collector/store/sqlite/') && !file.startsWith('collector/store/'),
    ).map(({ file, target }) => `${file} -> ${target}`);
    expect(offending).toEqual([]);
  });

  it('keeps every SQL statement in the store engines (collector/store/sqlite, collector/store/postgres)', () => {
    const SQL =
      /\b(?:SELECT\s+[\w*]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX|TRIGGER))/;
    const engines = ['collector/store/sqlite/', 'collector/store/postgres/'];
    const offending = FILES.filter(
      (file) =>
        !engines.some((dir) => file.startsWith(dir)) && SQL.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(offending).toEqual([]);
  });

  it(`has no source file over ${MAX_LINES} lines`, () => {
    const long = [...FILES, ...BENCH]
      .map((file) => ({
        file,
        lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1,
      }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines}`);
    expect(long).toEqual([]);
  });

  it('points comments at documents the repository holds', () => {
    const offending = [...FILES, ...BENCH, ...TESTS].filter((file) =>
      /\bDESIGN\b|\bissue \d+\b/i.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(offending).toEqual([]);
  });
});
