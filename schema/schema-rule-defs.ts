// More generated parts of monitors.schema.json (see schema-ranges.ts, which writes them): rules
// that JSON Schema can state, copied from their source of truth so editors flag them too. The
// operators each assertion source takes (OPERATORS_BY_SOURCE), flapping `low` below `high` when
// a monitor writes both, and the refused request headers in any letter case (FORBIDDEN_HEADERS). `vigil validate` reports these with its own rules.
import { OPERATORS_BY_SOURCE } from './assertion-semantics.ts';
import { FORBIDDEN_HEADERS } from './limits.ts';
import { GENERATED_COMMENT, type JsonSchema } from './schema-check.ts';
import { ASSERTION_OPERATORS, ASSERTION_SOURCES } from './types.ts';

/** `{ if, then }` built so no object literal has a `then` (which linters take for a promise). */
export function conditional(
  condition: JsonSchema,
  branch: 'then' | 'else',
  consequence: JsonSchema,
): JsonSchema {
  return Object.fromEntries([
    ['if', condition],
    [branch, consequence],
  ]) as JsonSchema;
}

/** Operators a source takes, where it does not take them all. */
export function assertionOperators(): JsonSchema {
  return {
    $comment: `${GENERATED_COMMENT} from OPERATORS_BY_SOURCE in schema/assertion-semantics.ts.`,
    type: 'object',
    allOf: ASSERTION_SOURCES.filter(
      (source) => OPERATORS_BY_SOURCE[source].length < ASSERTION_OPERATORS.length,
    ).map((source) =>
      conditional({ properties: { source: { const: source } }, required: ['source'] }, 'then', {
        properties: { operator: { enum: [...OPERATORS_BY_SOURCE[source]] } },
      }),
    ),
  };
}

/**
 * Flapping `low` below `high` when a monitor writes both. When one comes from `defaults:` or the
 * built-in default the schema cannot tell (mappings merge key by key), so that is left to the rule.
 */
export function flappingOrder(max: number): JsonSchema {
  const conditions: JsonSchema[] = [];
  for (let high = 0; high <= max; high++) {
    conditions.push(
      conditional({ properties: { high: { const: high }, low: true }, required: ['high', 'low'] }, 'then', {
        properties: { low: { type: 'integer', maximum: high - 1 } },
      }),
    );
  }
  return {
    $comment: `${GENERATED_COMMENT}: flapping \`low\` below \`high\` (schema/rules/flapping.ts).`,
    type: 'object',
    properties: {
      flapping: conditional({ type: 'object' }, 'then', { type: 'object', allOf: conditions }),
    },
  };
}

/** A header name in any letter case, as a pattern (JSON Schema patterns have no `i` flag); names hold only letters and `-`. */
function anyCase(name: string): string {
  return [...name].map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c)).join('');
}

/** The refused request headers, in `headers` of a monitor or of `defaults:`. */
export function forbiddenHeaders(): JsonSchema {
  return {
    $comment: `${GENERATED_COMMENT} from FORBIDDEN_HEADERS in schema/limits.ts.`,
    type: 'object',
    properties: {
      headers: {
        type: 'object',
        patternProperties: { [`^(?:${FORBIDDEN_HEADERS.map(anyCase).join('|')})$`]: false },
      },
    },
  };
}
