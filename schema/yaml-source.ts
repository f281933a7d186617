// Parsing one monitor file's text into plain data plus a Locator that maps data paths back to
// lines and columns. Everything YAML can do that the language does not want is refused here:
// several documents, duplicate keys, tabs as indentation, unknown tags, alias bombs, and
// documents that are not a mapping.
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseAllDocuments,
} from 'yaml';
import type { DiagnosticCode } from './codes.ts';
import type { PathSegment, Span } from './diagnostics.ts';
import { MAX_ALIAS_ADDED_VALUES, MAX_ALIASES } from './limits.ts';
import type { Locator } from './locator.ts';
import { prescanYaml } from './yaml-prescan.ts';
import {
  aliasExpansion,
  aliasProblems,
  duplicateKeys,
  lineEnd,
  onePerLine,
  toSpan,
  yamlProblem,
} from './yaml-problems.ts';

export interface SourceProblem {
  code: DiagnosticCode;
  span: Span;
  message: string;
  hint: string;
}

/** YAML problems reported per file; past this many the rest are noise from the same mistake. */
export const MAX_YAML_PROBLEMS = 100;

export type ParseOutcome =
  | { ok: true; value: Record<string, unknown>; locator: YamlLocator }
  | { ok: false; problems: SourceProblem[] };

export function parseMonitorYaml(text: string): ParseOutcome {
  // Nesting, complex keys and size are judged on the text first: the parser is not safe for them.
  const refused = prescanYaml(text);
  if (refused !== null) return { ok: false, problems: [refused] };
  const lineCounter = new LineCounter();
  const docs = (() => {
    try {
      return parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
    } catch (error) {
      // The pre-scan estimates nesting; should the parser still run out of stack, say so.
      if (!(error instanceof RangeError)) throw error;
      return null;
    }
  })();
  if (docs === null) return { ok: false, problems: [tooDeepToParse()] };
  const spanOf = (start: number, end: number): Span => toSpan(lineCounter, start, end);

  if (!Array.isArray(docs)) {
    // An empty stream: nothing but comments and blank lines.
    return { ok: false, problems: [emptyFile()] };
  }
  const problems: SourceProblem[] = [];
  const [doc] = docs;
  if (doc === undefined) return { ok: false, problems: [emptyFile()] };
  for (const extra of docs.slice(1)) {
    const start = extra.range[0];
    problems.push({
      code: 'multiple_documents',
      span: spanOf(start, lineEnd(text, start)),
      message: 'a monitor file holds one YAML document; this is a second one',
      hint: 'remove the `---` separator and move the monitors of the second document into `monitors:`, or into a file of their own',
    });
  }
  for (const error of [...doc.errors, ...doc.warnings]) {
    problems.push(yamlProblem(text, lineCounter, error.code, error.message, error.pos));
  }
  // One by one: spreading tens of thousands of problems into push() overflows the stack.
  for (const problem of duplicateKeys(doc, lineCounter)) problems.push(problem);
  for (const problem of aliasProblems(doc, lineCounter)) problems.push(problem);
  if (problems.length > 0) return { ok: false, problems: onePerLine(problems).slice(0, MAX_YAML_PROBLEMS) };

  if (
    doc.contents === null ||
    (isScalar(doc.contents) && doc.contents.value === null && !doc.contents.source)
  ) {
    return { ok: false, problems: [emptyFile()] };
  }
  if (!isMap(doc.contents)) {
    const kind = isSeq(doc.contents) ? 'a list' : 'a single value';
    const [start, end] = doc.contents.range ?? [0, 0];
    return {
      ok: false,
      problems: [
        {
          code: 'not_a_mapping',
          span: spanOf(start, isSeq(doc.contents) ? lineEnd(text, start) : end),
          message: `a monitor file must be a mapping with a \`monitors:\` list; this file is ${kind}`,
          hint: isSeq(doc.contents)
            ? 'add a line `monitors:` at the top and indent the list under it'
            : 'start the file with `monitors:` followed by a list of monitors',
        },
      ],
    };
  }
  const expansion = aliasExpansion(doc);
  let value: unknown;
  try {
    if (expansion.added > MAX_ALIAS_ADDED_VALUES) throw new RangeError(`${expansion.added} values`);
    // The yaml library's own guard stays on as a second line of defence.
    value = doc.toJS({ maxAliasCount: 10 * MAX_ALIASES * MAX_ALIASES });
  } catch (error) {
    const [start, end] = expansion.first?.range ?? [0, 1];
    return {
      ok: false,
      problems: [
        {
          code: 'alias_limit',
          span: spanOf(start, end),
          message: `aliases expand to too much data (${(error as Error).message}; at most ${MAX_ALIAS_ADDED_VALUES} values may come from aliases)`,
          hint: 'write the values out, or use `defaults:` to share settings between monitors',
        },
      ],
    };
  }
  return {
    ok: true,
    value: value as Record<string, unknown>,
    locator: new YamlLocator(doc, lineCounter, text),
  };

  function tooDeepToParse(): SourceProblem {
    return {
      code: 'yaml_too_deep',
      span: { line: 1, column: 1, endLine: 1, endColumn: 1 },
      message: 'YAML nesting: lists or mappings are nested too deeply to read',
      hint: 'a monitor file needs only a few levels of nesting; check the indentation and unbalanced `[` or `{`',
    };
  }

  function emptyFile(): SourceProblem {
    return {
      code: 'empty_file',
      span: { line: 1, column: 1, endLine: 1, endColumn: 1 },
      message: 'file is empty: it holds no `monitors:`',
      hint: 'add `monitors:` with at least one monitor, or delete the file',
    };
  }
}

/** Maps data paths to YAML nodes; follows aliases. */
export class YamlLocator implements Locator {
  readonly #doc: Document;
  readonly #lineCounter: LineCounter;
  readonly #text: string;

  constructor(doc: Document, lineCounter: LineCounter, text: string) {
    this.#doc = doc;
    this.#lineCounter = lineCounter;
    this.#text = text;
  }

  has(path: readonly PathSegment[]): boolean {
    return this.#walk(path).depth === path.length;
  }

  span(path: readonly PathSegment[], part: 'key' | 'value' = 'value'): Span {
    const { node, pair, depth } = this.#walk(path);
    if (depth === path.length) {
      if (part === 'key' && pair !== undefined && isScalar(pair.key)) return this.#nodeSpan(pair.key);
      // `key:` with nothing after it: point at the key.
      if (pair !== undefined && isScalar(node) && node.value === null && isScalar(pair.key)) {
        const [start, end] = node.range ?? [0, 0];
        if (end <= start) return this.#nodeSpan(pair.key);
      }
      return this.#nodeSpan(node);
    }
    return this.#nodeSpan(node);
  }

  sourceText(path: readonly PathSegment[]): string | undefined {
    const { node, depth } = this.#walk(path);
    if (depth !== path.length || node === undefined || node.range === undefined || node.range === null)
      return undefined;
    return this.#text.slice(node.range[0], node.range[1]);
  }

  /** The deepest node on `path`, how many segments were found, and the pair holding it. */
  #walk(path: readonly PathSegment[]): { node: Node | undefined; pair: Pair | undefined; depth: number } {
    let node = this.#resolve(this.#doc.contents as Node | null);
    let pair: Pair | undefined;
    let depth = 0;
    for (const segment of path) {
      let next: Node | undefined;
      let nextPair: Pair | undefined;
      if (isMap(node)) {
        nextPair = node.items.find(
          (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
        );
        next = (nextPair?.value as Node | null | undefined) ?? undefined;
        if (nextPair !== undefined && next === undefined) {
          // `key:` with no value at all: the pair exists; locate at its key.
          return { node: nextPair.key as Node, pair: nextPair, depth: depth + 1 };
        }
      } else if (isSeq(node) && typeof segment === 'number') {
        next = (node.items[segment] as Node | undefined) ?? undefined;
        nextPair = undefined;
      }
      if (next === undefined) break;
      node = this.#resolve(next);
      pair = nextPair;
      depth += 1;
    }
    return { node: node ?? undefined, pair, depth };
  }

  #resolve(node: Node | null | undefined): Node | undefined {
    if (node === null || node === undefined) return undefined;
    if (isAlias(node)) return (node.resolve(this.#doc) as Node | undefined) ?? node;
    return node;
  }

  #nodeSpan(node: Node | undefined): Span {
    if (node === undefined || node.range === undefined || node.range === null) {
      return { line: 1, column: 1, endLine: 1, endColumn: 1 };
    }
    const [start, valueEnd] = node.range;
    if (isCollection(node) && this.#text.slice(start, valueEnd).trimEnd().includes('\n')) {
      // A block mapping or list spans many lines; point at its first entry only.
      const first = node.items[0];
      const firstNode = isPair(first) ? (first.key as Node | null) : (first as Node | undefined);
      const end = firstNode?.range
        ? Math.min(firstNode.range[1], lineEnd(this.#text, start))
        : lineEnd(this.#text, start);
      return toSpan(this.#lineCounter, start, Math.max(end, start + 1));
    }
    return toSpan(this.#lineCounter, start, Math.max(valueEnd, start + 1));
  }
}
