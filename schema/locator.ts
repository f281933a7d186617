// Where a value sits in its source, so every diagnostic can point at the offending key or value.
// A YAML file answers with line and column (yaml-source.ts); a monitor list received by the
// collector has no source text and answers with zeros (ValueLocator below).
import { NO_SPAN, type PathSegment, type Span } from './diagnostics.ts';

export interface Locator {
  /** Whether the document holds a value at `path`. */
  has(path: readonly PathSegment[]): boolean;
  /**
   * Span of the value at `path` (or of its key, for `part: 'key'`); when the path does not exist,
   * the span of its nearest existing ancestor (a missing key is reported at its parent).
   */
  span(path: readonly PathSegment[], part?: 'key' | 'value'): Span;
  /** The source text of the value at `path` as written, when there is source text. */
  sourceText(path: readonly PathSegment[]): string | undefined;
}

/** Value at `path` in plain JSON-like data, or undefined. */
export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}

/** Locator for data without source text (the sync request): every span is 0:0. */
export class ValueLocator implements Locator {
  readonly root: unknown;
  constructor(root: unknown) {
    this.root = root;
  }
  has(path: readonly PathSegment[]): boolean {
    return valueAt(this.root, path) !== undefined;
  }
  span(): Span {
    return NO_SPAN;
  }
  sourceText(): string | undefined {
    return undefined;
  }
}
