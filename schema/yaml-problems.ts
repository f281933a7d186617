// Problems found in a YAML document before the monitor rules see it: duplicate keys, aliases that
// expand too far, and the parser's own errors, each placed at a line and column. What must be
// refused before parsing is in yaml-prescan.ts.
import {
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Pair,
  visit,
} from 'yaml';
import type { Span } from './diagnostics.ts';
import { MAX_ALIASES } from './limits.ts';
import type { SourceProblem } from './yaml-source.ts';

export function yamlProblem(
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

export function duplicateKeys(doc: Document, lineCounter: LineCounter): SourceProblem[] {
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

export function aliasProblems(doc: Document, lineCounter: LineCounter): SourceProblem[] {
  const problems: SourceProblem[] = [];
  let count = 0;
  visit(doc, {
    Alias(_, alias) {
      count += 1;
      // Resolving searches the document: past the limit that would be quadratic, and pointless.
      if (count > MAX_ALIASES + 1) return visit.BREAK;
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
export function aliasExpansion(doc: Document): { added: number; first: Node | undefined } {
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
export function onePerLine(problems: SourceProblem[]): SourceProblem[] {
  const seen = new Set<number>();
  return problems
    .sort((a, b) => a.span.line - b.span.line || a.span.column - b.span.column)
    .filter((problem) => {
      if (seen.has(problem.span.line)) return false;
      seen.add(problem.span.line);
      return true;
    });
}

export function toSpan(lineCounter: LineCounter, start: number, end: number): Span {
  const from = lineCounter.linePos(start);
  const to = lineCounter.linePos(Math.max(end, start));
  return { line: from.line, column: from.col, endLine: to.line, endColumn: to.col };
}

export function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
