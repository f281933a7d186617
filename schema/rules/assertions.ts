// Assertions: the operator fits the source, the value fits both (or is absent for `exists`),
// `name`/`path` only where they mean something, regular expressions and JSONPaths that parse.

import { compilePattern } from '../../common/regex.ts';
import { describeKinds, OPERATORS_BY_SOURCE, valueHasKind, valueKinds } from '../assertion-semantics.ts';
import { describeValue } from '../describe.ts';
import { isRecord } from '../merge.ts';
import {
  ASSERTION_OPERATORS,
  ASSERTION_SOURCES,
  type AssertionOperator,
  type AssertionSource,
  type AssertionValue,
} from '../types.ts';
import type { MonitorRule, Report } from './context.ts';

export const checkAssertions: MonitorRule = (monitor, report) => {
  const list = monitor.assertions;
  if (!Array.isArray(list)) return;
  list.forEach((assertion, index) => {
    if (isRecord(assertion)) checkAssertion(assertion, index, report);
  });
};

function checkAssertion(a: Record<string, unknown>, index: number, report: Report): void {
  const base = ['assertions', index];
  const label = `assertions[${index}]`;
  const source = a.source as AssertionSource;
  const operator = a.operator as AssertionOperator;
  if (!ASSERTION_SOURCES.includes(source) || !ASSERTION_OPERATORS.includes(operator)) return;

  if ('name' in a && source !== 'header') {
    report({
      code: 'assertion_field',
      path: [...base, 'name'],
      part: 'key',
      message: `\`name\` only applies to \`header\` assertions; this one checks \`${source}\``,
      hint: source === 'json' ? 'a `json` assertion selects its value with `path: $.field`' : 'remove `name`',
    });
  }
  if ('path' in a && source !== 'json') {
    report({
      code: 'assertion_field',
      path: [...base, 'path'],
      part: 'key',
      message: `\`path\` only applies to \`json\` assertions; this one checks \`${source}\``,
      hint: source === 'header' ? 'a `header` assertion names its header with `name:`' : 'remove `path`',
    });
  }
  if (typeof a.path === 'string' && a.path.startsWith('$')) {
    const problem = jsonPathProblem(a.path);
    if (problem !== null) {
      report({
        code: 'invalid_jsonpath',
        path: [...base, 'path'],
        message: `\`${label}.path\` is not a valid JSONPath: ${problem}`,
        hint: 'write it like `$.status`, `$.checks[0].ok` or `$["key with spaces"]`',
      });
    }
  }

  const allowed = OPERATORS_BY_SOURCE[source];
  if (!allowed.includes(operator)) {
    report({
      code: 'assertion_operator',
      path: [...base, 'operator'],
      message: `operator \`${operator}\` does not apply to \`${source}\``,
      hint: `use one of ${allowed.join(', ')}${
        source === 'body' && ['lt', 'lte', 'gt', 'gte', 'in'].includes(operator)
          ? ' (to compare the body as a number, use source `number`)'
          : ''
      }`,
    });
    return;
  }

  const kinds = valueKinds(source, operator);
  const hasValue = 'value' in a;
  if (kinds.length === 0) {
    if (hasValue) {
      report({
        code: 'assertion_value',
        path: [...base, 'value'],
        part: 'key',
        message: '`exists` takes no `value`',
        hint: 'remove `value`, or use `eq` to compare',
      });
    }
    return;
  }
  if (!hasValue) {
    report({
      code: 'assertion_value',
      path: base,
      message: `\`${label}\` with operator \`${operator}\` needs a \`value\``,
      hint: `add \`value:\` with ${operator === 'in' ? 'a list' : describeKinds(kinds)}`,
    });
    return;
  }
  const value = a.value as AssertionValue;
  if (operator === 'in') {
    if (!Array.isArray(value) || value.length === 0) {
      report({
        code: 'assertion_value',
        path: [...base, 'value'],
        message: `\`${label}.value\` must be a non-empty list for \`in\`; got ${describeValue(value)}`,
        hint: source === 'status' ? 'write `value: [200, 204]`' : 'write `value: [first, second]`',
      });
      return;
    }
    value.forEach((entry, i) => {
      if (!kinds.some((kind) => valueHasKind(entry, kind))) {
        report(kindMismatch([...base, 'value', i], `${label}.value[${i}]`, entry, kinds, source, operator));
      }
    });
    return;
  }
  if (!kinds.some((kind) => valueHasKind(value, kind))) {
    report(kindMismatch([...base, 'value'], `${label}.value`, value, kinds, source, operator));
    return;
  }
  if (operator === 'matches' && typeof value === 'string') {
    const compiled = compilePattern(value);
    if (!compiled.ok && compiled.kind === 'invalid') {
      report({
        code: 'invalid_regex',
        path: [...base, 'value'],
        message: `\`${label}.value\` is not a valid regular expression: ${compiled.problem}`,
        hint: 'check brackets and escape special characters with `\\` (in YAML, single-quote the pattern)',
      });
    } else if (!compiled.ok) {
      report({
        code: 'unsupported_regex',
        path: [...base, 'value'],
        message: `\`${label}.value\` uses what linear-time matching (RE2 syntax) cannot run: ${compiled.problem}`,
        hint: 'rewrite it without backreferences or lookaround: for example two assertions, one `matches` and one `not_contains`',
      });
    }
  }
}

function kindMismatch(
  path: Array<string | number>,
  label: string,
  value: unknown,
  kinds: ReturnType<typeof valueKinds>,
  source: AssertionSource,
  operator: AssertionOperator,
) {
  const numericText = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value);
  return {
    code: 'assertion_value' as const,
    path,
    message: `\`${label}\` must be ${describeKinds(kinds)} for \`${source}\` with \`${operator}\`; got ${describeValue(value)}`,
    hint:
      numericText && kinds.some((k) => k === 'number' || k === 'status')
        ? 'remove the quotes'
        : `write ${describeKinds(kinds)}`,
  };
}

/**
 * A light syntax check (the JSONPath evaluator is lenient and would silently select nothing):
 * `$`, then `.name`, `..name`, `.*` or `[...]` steps with balanced brackets and quotes, and no
 * filter or script expression: a monitor file never runs code.
 */
export function jsonPathProblem(path: string): string | null {
  let i = 1;
  while (i < path.length) {
    const rest = path.slice(i);
    const dotted = /^\.\.?(?:\*|[^.[\]\s'"()]+)/.exec(rest);
    if (dotted !== null) {
      i += dotted[0].length;
      continue;
    }
    if (rest.startsWith('..[') || rest.startsWith('[')) {
      const open = i + (rest.startsWith('..') ? 2 : 0);
      const close = closingBracket(path, open);
      if (close === -1) return `the \`[\` at character ${open + 1} is never closed`;
      if (close === open + 1) return `empty brackets at character ${open + 1}`;
      // The evaluator runs with scripts off (probe/assertions.ts): say so here instead.
      if (/^\s*\??\s*\(/.test(path.slice(open + 1, close))) {
        return `filter and script expressions (\`[?(...)]\`, \`[(...)]\`) are not supported, at character ${open + 1}`;
      }
      i = close + 1;
      continue;
    }
    return `unexpected \`${rest.slice(0, 10)}\` at character ${i + 1}`;
  }
  return null;
}

function closingBracket(text: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0) return c === ']' ? i : -1;
    }
  }
  return -1;
}
