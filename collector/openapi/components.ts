// Named schemas in the description: a route schema object with a `title` (ApiError, MonitorView,
// SyncPlan...) is written once under components.schemas and referenced wherever it appears, so
// generated clients get one named type per shape instead of a copy per operation. The title is
// an annotation: validation and the response serializer ignore it.

type Json = Record<string, unknown>;
const NAME = /^[A-Z][A-Za-z0-9]*$/;

/** Hoists titled schemas of `doc.paths` into `doc.components.schemas` (in place). */
export function hoistTitledSchemas<T extends Json>(doc: T): T {
  const components = ((doc.components as Json | undefined) ?? {}) as Json;
  const schemas = ((components.schemas as Json | undefined) ?? {}) as Json;
  const hoisted = new Map<string, string>();
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (node === null || typeof node !== 'object') return node;
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) out[key] = visit(value);
    const title = out.title;
    if (typeof title !== 'string' || !NAME.test(title)) return out;
    // A description says what the schema is where it is used (a response's own description):
    // it stays there, next to the reference, and the component is the shape alone.
    const { description, ...shape } = out;
    const json = JSON.stringify(shape);
    const known = hoisted.get(title);
    if (known === undefined) {
      hoisted.set(title, json);
      schemas[title] = shape;
    } else if (known !== json) {
      throw new Error(`two different schemas are titled ${title}: give one of them its own title`);
    }
    const ref = { $ref: `#/components/schemas/${title}` };
    return description === undefined ? ref : { ...ref, description };
  };
  (doc as Json).paths = visit(doc.paths);
  (doc as Json).components = { ...components, schemas };
  return doc;
}
