// Assertion sources and operators of the monitor language, as pure functions.
import { JSONPath } from 'jsonpath-plus';
import { compilePattern } from '../common/regex.ts';
import type { Assertion, AssertionValue } from '../schema/types.ts';
import type { AssertionOutcome } from './types.ts';

/** What the assertions look at, gathered once per check. */
export interface AssertionFacts {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** ms, the whole check so far (all hops). */
  responseTime: number;
  tlsDaysLeft: number | null;
  /** Decoded body text, or null when it was not read (HEAD) or could not be decoded. */
  body: string | null;
}

/** Marks an actual value that does not exist (no such header, no JSONPath match). */
const MISSING = Symbol('missing');
type Actual = unknown;

export function describeAssertion(assertion: Assertion): string {
  const subject = [assertion.source, assertion.name, assertion.path]
    .filter((part) => part !== undefined)
    .join(' ');
  const value = assertion.value === undefined ? '' : ` ${JSON.stringify(assertion.value)}`;
  return `${subject} ${assertion.operator}${value}`;
}

/** Parses the body as JSON once for all json assertions of a check. */
export class JsonBody {
  private parsed: { ok: true; value: unknown } | { ok: false } | null = null;
  private readonly text: string | null;
  constructor(text: string | null) {
    this.text = text;
  }
  get(): { ok: true; value: unknown } | { ok: false } {
    if (this.parsed === null) {
      try {
        this.parsed = this.text === null ? { ok: false } : { ok: true, value: JSON.parse(this.text) };
      } catch {
        this.parsed = { ok: false };
      }
    }
    return this.parsed;
  }
}

/** Evaluates one assertion. */
export function checkAssertion(
  assertion: Assertion,
  facts: AssertionFacts,
  json: JsonBody,
): AssertionOutcome {
  const description = describeAssertion(assertion);
  const expected = assertion.value ?? null;
  if (assertion.operator === 'matches') {
    // Validation refuses these; a monitor stored before the rule existed can still hold one.
    const compiled = compilePattern(String(assertion.value));
    if (!compiled.ok) {
      const actual = `the regular expression cannot run: ${compiled.problem}`;
      return { description, pass: false, expected, actual };
    }
  }
  const found = actualOf(assertion, facts, json);
  if ('problem' in found) return { description, pass: false, expected, actual: found.problem };
  const actual = found.value;
  const pass = applyOperator(assertion.operator, actual, assertion.value);
  return { description, pass, expected, actual: actual === MISSING ? null : presentable(actual) };
}

function actualOf(
  assertion: Assertion,
  facts: AssertionFacts,
  json: JsonBody,
): { value: Actual } | { problem: string } {
  switch (assertion.source) {
    case 'status':
      return { value: facts.status };
    case 'response_time':
      return { value: Math.round(facts.responseTime) };
    case 'tls_days_left':
      return { value: facts.tlsDaysLeft ?? MISSING };
    case 'header': {
      const header = facts.headers[(assertion.name ?? '').toLowerCase()];
      return { value: header === undefined ? MISSING : Array.isArray(header) ? header.join(', ') : header };
    }
    case 'body':
      return facts.body === null ? { problem: 'no response body' } : { value: facts.body };
    case 'number': {
      if (facts.body === null) return { problem: 'no response body' };
      const trimmed = facts.body.trim();
      const value = trimmed === '' ? Number.NaN : Number(trimmed);
      return Number.isFinite(value) ? { value } : { problem: `body is not a number: ${preview(trimmed)}` };
    }
    case 'json': {
      const parsed = json.get();
      if (!parsed.ok) return { problem: `body is not JSON: ${preview(facts.body ?? '')}` };
      let matches: unknown[];
      try {
        matches = JSONPath({
          path: assertion.path ?? '$',
          json: parsed.value as object,
          wrap: true,
          // Never run code from a monitor file: filter and script expressions (`?()`, `()`)
          // throw instead of being evaluated (validation refuses them too).
          eval: false,
        }) as unknown[];
      } catch (error) {
        return { problem: `JSONPath ${assertion.path} cannot be evaluated: ${(error as Error).message}` };
      }
      if (matches.length === 0) return { value: MISSING };
      return { value: matches.length === 1 ? matches[0] : matches };
    }
  }
}

export function applyOperator(
  operator: Assertion['operator'],
  actual: Actual,
  expected: AssertionValue | undefined,
): boolean {
  if (operator === 'exists') return actual !== MISSING;
  if (actual === MISSING) return operator === 'ne' || operator === 'not_contains';
  switch (operator) {
    case 'eq':
      return looseEquals(actual, expected);
    case 'ne':
      return !looseEquals(actual, expected);
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return compareNumbers(operator, actual, expected);
    case 'contains':
      return contains(actual, expected);
    case 'not_contains':
      return !contains(actual, expected);
    case 'matches':
      return matches(actual, expected);
    case 'in':
      return Array.isArray(expected) && expected.some((candidate) => looseEquals(actual, candidate));
  }
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

/** Numbers compare as numbers (header "200" eq 200), everything else by JSON value. */
function looseEquals(actual: Actual, expected: unknown): boolean {
  if (typeof expected === 'number') return toNumber(actual) === expected;
  if (typeof expected === 'boolean') return actual === expected || actual === String(expected);
  if (expected === null || expected === undefined) return actual === null;
  if (typeof expected === 'string') {
    if (typeof actual === 'string') return actual === expected;
    if (typeof actual === 'number' || typeof actual === 'boolean') return String(actual) === expected;
    return false;
  }
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, index) => looseEquals(actual[index], item))
    );
  }
  return false;
}

function compareNumbers(operator: 'lt' | 'lte' | 'gt' | 'gte', actual: Actual, expected: unknown): boolean {
  const a = toNumber(actual);
  const b = toNumber(expected);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  if (operator === 'lt') return a < b;
  if (operator === 'lte') return a <= b;
  if (operator === 'gt') return a > b;
  return a >= b;
}

function contains(actual: Actual, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((item) => looseEquals(item, expected));
  if (typeof actual === 'string') return actual.includes(String(expected));
  if (typeof actual === 'number' || typeof actual === 'boolean')
    return String(actual).includes(String(expected));
  if (actual !== null && typeof actual === 'object') return Object.hasOwn(actual, String(expected));
  return false;
}

function matches(actual: Actual, expected: unknown): boolean {
  const compiled = compilePattern(String(expected));
  if (!compiled.ok) return false;
  return compiled.pattern.test(typeof actual === 'string' ? actual : JSON.stringify(actual));
}

function preview(text: string): string {
  return text.length > 80 ? `${JSON.stringify(text.slice(0, 80))}...` : JSON.stringify(text);
}

/** Keeps outcome values small: long strings and big JSON are cut for display and storage. */
function presentable(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}...` : value;
  if (value !== null && typeof value === 'object') {
    const text = JSON.stringify(value);
    return text.length > 500 ? `${text.slice(0, 500)}...` : value;
  }
  return value;
}
