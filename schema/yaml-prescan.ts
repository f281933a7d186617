// One linear pass over a monitor file's text before the YAML library sees it, refusing what that
// library handles badly: nesting thousands of levels deep (its parser recurses and runs out of
// stack), complex keys (`? ` and lists or mappings used as keys: turning them into strings takes
// time that grows far faster than the file) and more nodes than a monitor file needs (the library
// takes about a second per MiB of dense YAML). See ARCHITECTURE.md, "Monitor files".
//
// The scan knows just enough YAML to skip comments, quoted strings, block scalars (`|`, `>`) and
// plain scalars continued on the next line. Block nesting is estimated from indentation and
// compact entries (`- - x`); the estimate is never more than the real depth, and never less than
// half of it (a list may sit at its parent key's indentation).
import type { SourceProblem } from './yaml-source.ts';

/** Deeper nesting of indented (block) lists and mappings than this is refused. */
export const MAX_BLOCK_DEPTH = 64;
/** Deeper `[`/`{` nesting than this is refused (no monitor needs more than 5). */
export const MAX_FLOW_DEPTH = 64;
/**
 * More YAML nodes than this are refused: keys, values, list entries, `:` and every `[]{},"'`
 * (inside plain text too: the library works on, or errs at, each), a document marker counts
 * DOCUMENT_WEIGHT. A monitor is 10 to 100 nodes, so this is about a thousand monitors in a file,
 * judged in about half a second (1 MiB of the costliest shape let through: under a second).
 */
export const MAX_YAML_NODES = 20_000;
/** More lines than this are refused (the library's time grows with lines, blank ones too). */
export const MAX_YAML_LINES = 50_000;
const DOCUMENT_WEIGHT = 50;

type Finding = 'complex_key' | 'block_depth' | 'flow_depth' | 'too_many_nodes' | 'too_many_lines';

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const HASH = 35;

/** The first thing the YAML library must not be given, with where it is; null when none. */
export function prescanYaml(text: string): SourceProblem | null {
  const found = scan(text);
  return found === null ? null : describe(text, found.kind, found.offset);
}

function scan(text: string): { kind: Finding; offset: number } | null {
  let lines = 0;
  for (let j = text.indexOf('\n'); j !== -1; j = text.indexOf('\n', j + 1)) {
    if (++lines >= MAX_YAML_LINES) return { kind: 'too_many_lines', offset: j + 1 };
  }
  const n = text.length;
  const at = (i: number) => (i < n ? text.charCodeAt(i) : NL);
  const blank = (c: number) => c === SPACE || c === TAB || c === NL || c === CR;
  /** Columns of the open block collections, innermost last. */
  const stack: number[] = [];
  const top = () => (stack.length === 0 ? -1 : (stack[stack.length - 1] as number));
  let flow = 0;
  let nodes = 0;
  let lineStart = 0;
  /** The next character that is not blank starts a node. */
  let valueStart = true;
  /** Lines more indented than this continue a plain scalar (-2: none open). */
  let plainAbove = -2;
  /** Lines more indented than this (or blank) belong to a block scalar (-2: none open). */
  let blockScalarAbove = -2;
  /** Column where the current token began (a key when `:` follows). */
  let tokenCol = 0;
  /** A `]` or `}` just closed: a `:` now would make a list or mapping a key. */
  let closed = false;

  const open = (col: number): boolean => {
    if (top() >= col) return false;
    stack.push(col);
    return stack.length > MAX_BLOCK_DEPTH;
  };
  const toEol = (i: number) => {
    const end = text.indexOf('\n', i);
    return end === -1 ? n : end;
  };

  let i = 0;
  while (i < n) {
    // At the start of a line outside flow collections: indentation and what it closes.
    if (i === lineStart && flow === 0) {
      let col = 0;
      while (at(i) === SPACE) {
        i++;
        col++;
      }
      const c = at(i);
      const empty = c === NL || c === CR || (c === TAB && /^[ \t]*\r?$/.test(text.slice(i, toEol(i))));
      if (blockScalarAbove > -2 && (empty || col > blockScalarAbove)) {
        i = toEol(i) + 1;
        lineStart = i;
        continue;
      }
      blockScalarAbove = -2;
      if (empty || c === HASH) {
        if (c === HASH) plainAbove = -2;
        i = toEol(i) + 1;
        lineStart = i;
        continue;
      }
      if (plainAbove > -2 && col > plainAbove) {
        // More of a plain scalar; its brackets and quotes still count (the library may not agree
        // that it is one, and then works on each).
        i = plainEnd(i);
        while (i < n && at(i) !== NL) i = Math.max(plainEnd(i + 1), i + 1);
        if (nodes > MAX_YAML_NODES) return { kind: 'too_many_nodes', offset: i };
        i += 1;
        lineStart = i;
        continue;
      }
      plainAbove = -2;
      if (col === 0 && (text.startsWith('---', i) || text.startsWith('...', i)) && blank(at(i + 3))) {
        // A document marker: each document is counted as a node (a file of markers is not free).
        nodes += DOCUMENT_WEIGHT;
        if (nodes > MAX_YAML_NODES) return { kind: 'too_many_nodes', offset: i };
        stack.length = 0;
        i += 3;
      } else if (col === 0 && c === 37 /* % */) {
        i = toEol(i) + 1;
        lineStart = i;
        continue;
      } else {
        while (stack.length > 0 && top() > col) stack.pop();
      }
      valueStart = true;
      closed = false;
    }
    const c = at(i);
    if (c === NL) {
      i++;
      lineStart = i;
      continue;
    }
    if (c === SPACE || c === TAB || c === CR) {
      i++;
      continue;
    }
    if (c === HASH) {
      i = toEol(i);
      continue;
    }
    const next = at(i + 1);
    const indicator = blank(next) || (flow > 0 && (next === 44 || next === 93 || next === 125));
    if (c === 58 /* : */ && (indicator || (flow > 0 && !valueStart))) {
      if (closed) return { kind: 'complex_key', offset: i };
      // `: ` with no key before it is an empty key: `: : : x` nests like `a: b: c: x`.
      if (valueStart && flow === 0) tokenCol = i - lineStart;
      if (++nodes > MAX_YAML_NODES) return { kind: 'too_many_nodes', offset: i };
      if (flow === 0 && open(tokenCol)) return { kind: 'block_depth', offset: i };
      plainAbove = -2;
      valueStart = true;
      i++;
      continue;
    }
    closed = false;
    if (c === 63 /* ? */ && valueStart && blank(next)) return { kind: 'complex_key', offset: i };
    if (flow > 0 && (c === 44 /* , */ || c === 93 /* ] */ || c === 125) /* } */) {
      if (++nodes > MAX_YAML_NODES) return { kind: 'too_many_nodes', offset: i };
      if (c !== 44) {
        flow--;
        closed = true;
      }
      valueStart = c === 44;
      i++;
      continue;
    }
    if (++nodes > MAX_YAML_NODES) return { kind: 'too_many_nodes', offset: i };
    const col = i - lineStart;
    if ((c === 91 /* [ */ || c === 123) /* { */ && (valueStart || flow > 0)) {
      if (flow === 0) tokenCol = col;
      if (++flow > MAX_FLOW_DEPTH) return { kind: 'flow_depth', offset: i };
      valueStart = true;
      i++;
      continue;
    }
    if (!valueStart) {
      // More of a node already counted (text after a quoted string or a closed list): skip it.
      i = Math.max(plainEnd(i), i + 1);
      if (nodes > MAX_YAML_NODES) return { kind: 'too_many_nodes', offset: i };
      continue;
    }
    if (c === 45 /* - */ && flow === 0 && blank(next)) {
      if (open(col)) return { kind: 'block_depth', offset: i };
      plainAbove = -2;
      i++;
      continue;
    }
    if (c === 38 /* & */ || c === 33 /* ! */) {
      // An anchor or a tag: the node it belongs to follows.
      while (i < n && !blank(at(i))) i++;
      continue;
    }
    if (flow === 0) tokenCol = col;
    valueStart = false;
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const end = quotedEnd(i, c);
      // A quoted string over several lines: columns count from its last line.
      const lastNewline = text.lastIndexOf('\n', end - 1);
      if (lastNewline > i) lineStart = lastNewline + 1;
      i = end;
    } else if ((c === 124 /* | */ || c === 62) /* > */ && flow === 0) {
      blockScalarAbove = top();
      i = toEol(i);
    } else {
      if (flow === 0) plainAbove = top();
      i = Math.max(plainEnd(i), i + 1);
      if (nodes > MAX_YAML_NODES) return { kind: 'too_many_nodes', offset: i };
    }
  }
  return null;

  /** Just past a quoted scalar starting at `start` (or the end of the text when unclosed). */
  function quotedEnd(start: number, quote: number): number {
    let j = start + 1;
    while (j < n) {
      const q = text.charCodeAt(j);
      if (q === quote) {
        if (quote === 39 && at(j + 1) === 39) j += 2;
        else return j + 1;
      } else j += q === 92 /* \ */ && quote === 34 ? 2 : 1;
    }
    return n;
  }

  /** Where a plain scalar's text on this line stops: a `: `, ` #`, the line end, or in flow a `,[]{}`. */
  function plainEnd(start: number): number {
    let j = start;
    while (j < n) {
      const p = text.charCodeAt(j);
      if (p === NL) return j;
      if (p === 58 && (blank(at(j + 1)) || (flow > 0 && flowIndicator(at(j + 1))))) return j;
      if (p === HASH && j > start && (at(j - 1) === SPACE || at(j - 1) === TAB)) return j;
      if (flowIndicator(p)) {
        if (flow > 0) return j;
        nodes++;
      } else if (p === 34 || p === 39) nodes++; // a run of quotes: the library errs at each
      j++;
    }
    return n;
  }
}

/** `,` `[` `]` `{` `}` */
function flowIndicator(c: number): boolean {
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125;
}

function describe(text: string, kind: Finding, offset: number): SourceProblem {
  const span = spanAt(text, offset);
  switch (kind) {
    case 'complex_key':
      return {
        code: 'yaml_complex_key',
        span,
        message: 'YAML complex key: a key written with `? ` or a list or mapping used as a key',
        hint: 'keys of the monitor language are plain words like `url:`; remove the `? ` or quote the key',
      };
    case 'block_depth':
    case 'flow_depth':
      return {
        code: 'yaml_too_deep',
        span,
        message: `YAML nesting: lists or mappings are nested more than ${kind === 'flow_depth' ? `${MAX_FLOW_DEPTH} levels deep with \`[\` or \`{\`` : `${MAX_BLOCK_DEPTH} levels deep`}`,
        hint:
          kind === 'flow_depth'
            ? 'a monitor file needs only a few levels of nesting; check for unbalanced `[` or `{`'
            : 'a monitor file needs only a few levels of nesting; check the indentation and the `- ` entries',
      };
    case 'too_many_nodes':
    case 'too_many_lines':
      return {
        code: 'yaml_too_large',
        span,
        message:
          kind === 'too_many_lines'
            ? `file has more than ${MAX_YAML_LINES} lines`
            : `file holds more than ${MAX_YAML_NODES} YAML nodes (keys, values, list entries, brackets)`,
        hint: 'split the monitors over several files',
      };
  }
}

function spanAt(text: string, offset: number): SourceProblem['span'] {
  let line = 1;
  let start = 0;
  for (let j = text.indexOf('\n'); j !== -1 && j < offset; j = text.indexOf('\n', j + 1)) {
    line++;
    start = j + 1;
  }
  const column = offset - start + 1;
  return { line, column, endLine: line, endColumn: column + 1 };
}
