// Regular expressions written by users (a monitor's `matches`), compiled with RE2 (re2js): matching
// takes time linear in the text, whatever the pattern, so a pattern like `^(a+)+$` cannot freeze
// the process the way a backtracking engine (JavaScript's RegExp) does. The validator and the
// probe both compile here, so what validates is exactly what runs. The price is RE2's syntax:
// no backreferences and no lookaround (they need backtracking); see README.md, Assertions.
import { RE2JS } from 're2js';

/** A compiled pattern: `test` searches anywhere in the text, like RegExp.prototype.test. */
export interface UserPattern {
  readonly source: string;
  test(text: string): boolean;
}

export type PatternResult =
  | { ok: true; pattern: UserPattern }
  /**
   * `invalid`: not a regular expression in any dialect (an unclosed group). `unsupported`: valid
   * JavaScript, but a construct linear-time matching cannot offer (backreference, lookaround).
   */
  | { ok: false; kind: 'invalid' | 'unsupported'; problem: string };

const cache = new Map<string, PatternResult>();
/** Monitors are few and their patterns fixed; the bound only guards against a flood. */
const CACHE_MAX = 10_000;

/**
 * Compiles `source` with no flags: case-sensitive, `^`/`$` at the ends of the whole text, `.`
 * not matching a newline, as JavaScript's `new RegExp(source)`. A pattern turns them on itself
 * with RE2's inline flags: `(?i)` case-insensitive, `(?m)` multi-line, `(?s)` dot matches newline.
 */
export function compilePattern(source: string): PatternResult {
  let result = cache.get(source);
  if (result === undefined) {
    result = compileUncached(source);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(source, result);
  }
  return result;
}

function compileUncached(source: string): PatternResult {
  try {
    const compiled = RE2JS.compile(source);
    return { ok: true, pattern: { source, test: (text) => compiled.test(text) } };
  } catch (error) {
    const message = ((error as Error).message ?? String(error)).replace(/^error parsing regexp: /, '');
    if (!validInJavaScript(source)) return { ok: false, kind: 'invalid', problem: message };
    return { ok: false, kind: 'unsupported', problem: unsupportedConstruct(source) ?? message };
  }
}

function validInJavaScript(source: string): boolean {
  try {
    // Only compiled, never run: compiling is not where a backtracking engine is slow.
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** Names the construct RE2 lacks, for the constructs people reach for most. */
function unsupportedConstruct(source: string): string | null {
  if (/\(\?<[=!]/.test(source)) return 'lookbehind `(?<=...)` / `(?<!...)` is not supported';
  if (/\(\?[=!]/.test(source)) return 'lookahead `(?=...)` / `(?!...)` is not supported';
  if (/\\[1-9]|\\k</.test(source)) return 'backreferences (`\\1`, `\\k<name>`) are not supported';
  if (/\\u[0-9a-fA-F{]/.test(source)) return '`\\uXXXX` escapes are not supported; write `\\x{XXXX}`';
  if (source.includes('[^]')) return '`[^]` is not supported; write `[\\s\\S]` or use `(?s).`';
  return null;
}
