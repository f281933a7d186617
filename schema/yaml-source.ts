// Parsing one monitor file's text into plain data plus a Locator that maps data paths back to
// lines and columns. Everything YAML can do that the language does not want is refused here:
// several documents, duplicate keys, tabs as indentation, unknown tags, alias bombs, and
// documents that are not a mapping.
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseAllDocuments,
  visit,
} from 'yaml';
import type { DiagnosticCode } from './codes.ts';
import type { PathSegment, Span } from './diagnostics.ts';
import { MAX_ALIAS_ADDED_VALUES, MAX_ALIASES } from './limits.ts';
import type { Locator } from './locator.ts';

export interface SourceProblem {
  code: DiagnosticCode;
  span: Span;
  message: string;
  hint: string;
}

export type ParseOutcome =
  | { ok: true; value: Record<string, unknown>; locator: YamlLocator }
  | { ok: false; problems: SourceProblem[] };

/** Deeper `[`/`{` nesting than this is refused before parsing (no monitor needs more than 5). */
const MAX_FLOW_DEPTH = 64;

export function parseMonitorYaml(text: string): ParseOutcome {
  const tooDeep = deepFlowNesting(text);
  if (tooDeep !== null) {
    return {
      ok: false,
      problems: [
        {
          code: 'yaml_syntax',
          span: spanAtOffset(text, tooDeep),
          message: `YAML syntax: lists or mappings are nested more than ${MAX_FLOW_DEPTH} levels deep`,
          hint: 'a monitor file needs only a few levels of nesting; check for unbalanced `[` or `{`',
        },
      ],
    };
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
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
  problems.push(...duplicateKeys(doc, lineCounter));
  problems.push(...aliasProblems(doc, lineCounter));
  if (problems.length > 0) return { ok: false, problems: onePerLine(problems) };

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

  function emptyFile(): SourceProblem {
    return {
      code: 'empty_file',
      span: { line: 1, column: 1, endLine: 1, endColumn: 1 },
      message: 'file is empty: it holds no `monitors:`',
      hint: 'add `monitors:` with at least one monitor, or delete the file',
    };
  }
}

/**
 * Offset of the first `[` or `{` that opens a flow collection nested deeper than MAX_FLOW_DEPTH,
 * or null. Quoted strings and comments are skipped. The YAML parser would recurse that deep and
 * run out of stack at a position that depends on the stack size; this check is exact.
 */
function deepFlowNesting(text: string): number | null {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote && !(quote === "'" && text[i + 1] === "'")) quote = null;
      else if (quote === "'" && c === "'") i++;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    } else if ((c === '"' || c === "'") && /(?:^|[\s[{,:?-])$/.test(text.slice(Math.max(0, i - 1), i))) {
      // A quote only opens a quoted scalar where a scalar starts (not the `'` of `Bob's`).
      quote = c;
    } else if (c === '[' || c === '{') {
      depth += 1;
      if (depth > MAX_FLOW_DEPTH) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth -= 1;
  }
  return null;
}

function spanAtOffset(text: string, offset: number): Span {
  const before = text.slice(0, offset).split('\n');
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  return { line, column, endLine: line, endColumn: column + 1 };
}

function yamlProblem(
  text: string,
  lineCounter: LineCounter,
  code: string,
  message: string,
  pos: [number, number],
): SourceProblem {
  const [start, end] = pos;
  const span = toSpan(lineCounter, start, Math.max(end, start + 1));
  const lineStart = lineCounter.lineStarts[span.line - 1] ?? 0;
  const indentation = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
  if (code === 'TAB_AS_INDENT' || indentation.includes('\t')) {
    const tab = lineStart + indentation.indexOf('\t');
    return {
      code: 'yaml_tab_indent',
      span: toSpan(lineCounter, tab, tab + 1),
      message: 'a tab is used for indentation; YAML indents with spaces only',
      hint: 'replace the tabs at the start of this line with spaces (and set your editor to insert spaces)',
    };
  }
  const firstLine = message.split('\n')[0] ?? message;
  if (/call stack|stack overflow/i.test(firstLine)) {
    // The parser ran out of stack: hundreds of nested lists or mappings, never a real monitor.
    return {
      code: 'yaml_syntax',
      span,
      message: 'YAML syntax: lists or mappings are nested too deeply to read',
      hint: 'a monitor file needs only a few levels of nesting; check for unbalanced `[` or `{`',
    };
  }
  let hint = 'check the indentation and quoting on this line and the one before';
  if (code === 'BAD_SCALAR_START') hint = 'quote the value: values starting with @, ` or % must be in quotes';
  if (code === 'TAG_RESOLVE_FAILED') hint = 'remove the `!tag`; the monitor language uses plain YAML values';
  if (code === 'BLOCK_AS_IMPLICIT_KEY' || code === 'MULTILINE_IMPLICIT_KEY')
    hint = 'a key must fit on one line; check for a missing `:` or a missing space after it';
  if (code === 'MISSING_CHAR' || code === 'BAD_INDENT')
    hint = 'check the indentation: entries of the same mapping or list must start in the same column';
  if (/quote/i.test(firstLine)) hint = 'close the quoted string with the same quote character it starts with';
  if (/flow (?:sequence|collection|mapping)/i.test(firstLine))
    hint = 'close the `[` or `{` on the same entry, or write the list as `- item` lines';
  return { code: 'yaml_syntax', span, message: `YAML syntax: ${lowerFirst(firstLine)}`, hint };
}

function duplicateKeys(doc: Document, lineCounter: LineCounter): SourceProblem[] {
  const problems: SourceProblem[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Map<string, Pair>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const first = seen.get(key);
        if (first === undefined) {
          seen.set(key, pair);
          continue;
        }
        const [start, end] = pair.key.range ?? [0, 0];
        const firstLine = lineCounter.linePos((first.key as Node).range?.[0] ?? 0).line;
        problems.push({
          code: 'duplicate_key',
          span: toSpan(lineCounter, start, end),
          message: `key \`${key}\` appears twice in this mapping (first on line ${firstLine})`,
          hint: 'keep one of them; YAML does not allow the same key twice',
        });
      }
    },
  });
  return problems;
}

function aliasProblems(doc: Document, lineCounter: LineCounter): SourceProblem[] {
  const problems: SourceProblem[] = [];
  let count = 0;
  visit(doc, {
    Alias(_, alias) {
      count += 1;
      const [start, end] = alias.range ?? [0, 0];
      if (alias.resolve(doc) === undefined) {
        problems.push({
          code: 'yaml_syntax',
          span: toSpan(lineCounter, start, end),
          message: `YAML syntax: alias \`*${alias.source}\` has no anchor \`&${alias.source}\` before it`,
          hint: 'define the anchor before using it, or write the value out',
        });
      } else if (count === MAX_ALIASES + 1) {
        problems.push({
          code: 'alias_limit',
          span: toSpan(lineCounter, start, end),
          message: `more than ${MAX_ALIASES} YAML aliases in one file`,
          hint: 'write the values out, or use `defaults:` to share settings between monitors',
        });
      }
    },
  });
  return problems;
}

/**
 * How many values the aliases add once expanded (each node's expanded size is computed once, so
 * this is linear in the size of the file), and the first alias, to point at.
 */
function aliasExpansion(doc: Document): { added: number; first: Node | undefined } {
  const sizes = new Map<Node, number>();
  let first: Node | undefined;
  const size = (node: unknown, depth: number): number => {
    if (!isNode(node)) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    let total = 1;
    if (isAlias(node)) {
      first ??= node;
      // Anchors cannot refer forward, so following aliases always ends; depth guards the stack.
      total = depth > 100 ? Number.POSITIVE_INFINITY : size(node.resolve(doc), depth + 1);
    } else if (isMap(node)) {
      for (const pair of node.items) total += size(pair.key, depth) + size(pair.value, depth);
    } else if (isSeq(node)) {
      for (const item of node.items) total += size(item, depth);
    }
    sizes.set(node, total);
    return total;
  };
  let literal = 0;
  visit(doc, {
    Node() {
      literal += 1;
    },
  });
  const expanded = size(doc.contents, 0);
  return { added: Math.max(0, expanded - literal), first };
}

/** YAML error recovery can report one mistake several times on a line; keep the first. */
function onePerLine(problems: SourceProblem[]): SourceProblem[] {
  const seen = new Set<number>();
  return problems
    .sort((a, b) => a.span.line - b.span.line || a.span.column - b.span.column)
    .filter((problem) => {
      if (seen.has(problem.span.line)) return false;
      seen.add(problem.span.line);
      return true;
    });
}

function toSpan(lineCounter: LineCounter, start: number, end: number): Span {
  const from = lineCounter.linePos(start);
  const to = lineCounter.linePos(Math.max(end, start));
  return { line: from.line, column: from.col, endLine: to.line, endColumn: to.col };
}

function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
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
