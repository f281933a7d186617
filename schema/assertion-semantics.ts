// What each assertion source accepts: which operators apply and what kind of `value` each
// takes. The validator enforces this table and the probe evaluates by it; the README shows it.
import {
  ASSERTION_OPERATORS,
  type AssertionOperator,
  type AssertionSource,
  type AssertionValue,
} from './types.ts';

const NUMERIC_OPERATORS: readonly AssertionOperator[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in'];

export const OPERATORS_BY_SOURCE: Readonly<Record<AssertionSource, readonly AssertionOperator[]>> = {
  status: NUMERIC_OPERATORS,
  response_time: NUMERIC_OPERATORS,
  number: NUMERIC_OPERATORS,
  tls_days_left: NUMERIC_OPERATORS,
  header: ASSERTION_OPERATORS,
  body: ['eq', 'ne', 'contains', 'not_contains', 'matches'],
  json: ASSERTION_OPERATORS,
};

export const NUMERIC_SOURCES: readonly AssertionSource[] = [
  'status',
  'response_time',
  'number',
  'tls_days_left',
];

/** Kinds a scalar value may have: used for `value` itself and for each entry of an `in` list. */
export type ValueKind = 'number' | 'status' | 'string' | 'boolean' | 'null';

/** Kinds the value (or each `in` entry) may have for this source and operator; [] = no value. */
export function valueKinds(source: AssertionSource, operator: AssertionOperator): readonly ValueKind[] {
  if (operator === 'exists') return [];
  if (source === 'status' && (operator === 'eq' || operator === 'ne' || operator === 'in')) return ['status'];
  if (NUMERIC_SOURCES.includes(source)) return ['number'];
  if (operator === 'lt' || operator === 'lte' || operator === 'gt' || operator === 'gte') return ['number'];
  if (operator === 'matches') return ['string'];
  if (source === 'body') return ['string'];
  if (source === 'header') return ['string', 'number'];
  // json
  if (operator === 'contains' || operator === 'not_contains' || operator === 'in')
    return ['string', 'number'];
  return ['string', 'number', 'boolean', 'null'];
}

export function valueHasKind(value: AssertionValue | undefined, kind: ValueKind): boolean {
  switch (kind) {
    case 'status':
      return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
  }
}

export function describeKinds(kinds: readonly ValueKind[]): string {
  const words = kinds.map((kind) =>
    kind === 'status'
      ? 'a status code (100..599)'
      : kind === 'null'
        ? 'null'
        : kind === 'boolean'
          ? 'true/false'
          : `a ${kind}`,
  );
  return words.length <= 1 ? (words[0] ?? 'nothing') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}
