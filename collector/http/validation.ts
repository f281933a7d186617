// Request validation: one Ajv per kind of input, and the guard every compiled validator gets so
// that no number that is not finite reaches a route. Ajv coerces the query text '1e309' to
// Infinity and then skips `minimum`/`maximum` (it checks them only on finite numbers), and
// JSON.parse reads 1e309 as Infinity too: the guard refuses both, whatever the schema says.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

// Bodies are validated without coercion or silent removal: `"dryRun": "false"` or an unknown key
// is a 400, not a guess. Query strings, params and headers are text, so they are coerced.
const bodyAjv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: true });
const textAjv = new Ajv({
  allErrors: false,
  coerceTypes: 'array',
  removeAdditional: false,
  useDefaults: true,
});

/** JSON pointer (Ajv's instancePath form) to the first number in `data` that is not finite. */
export function nonFinitePath(data: unknown): string | null {
  // Iterative: a body nested thousands deep must not overflow the stack here.
  const pending: [unknown, string][] = [[data, '']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return path;
    } else if (value !== null && typeof value === 'object') {
      const entries = Array.isArray(value) ? value.entries() : Object.entries(value);
      for (const [key, item] of entries) pending.push([item, `${path}/${pointerToken(String(key))}`]);
    }
  }
  return null;
}

function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

type Validator = ((data: unknown, options?: object) => boolean) & {
  errors?: ErrorObject[] | null;
  schemaEnv?: unknown;
};

/** `validate`, then no Infinity, -Infinity or NaN anywhere in what it accepted (and coerced). */
export function finiteOnly(validate: ValidateFunction): Validator {
  const guarded: Validator = (data, options) => {
    if (!validate(data, options as never)) {
      guarded.errors = validate.errors ?? null;
      return false;
    }
    const path = nonFinitePath(data);
    if (path === null) {
      guarded.errors = null;
      return true;
    }
    guarded.errors = [
      {
        instancePath: path,
        schemaPath: '#',
        keyword: 'finite',
        params: {},
        message: 'must be a finite number',
      },
    ];
    return false;
  };
  // Fastify passes the parent object (so Ajv can coerce a root value) only to Ajv's own functions.
  guarded.schemaEnv = validate.schemaEnv;
  return guarded;
}

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  finiteOnly((httpPart === 'body' ? bodyAjv : textAjv).compile(schema));
