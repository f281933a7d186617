// Module hook for bench/sqlite-engine.ts: resolves the store's connection.ts to another
// implementation with the same API (`data.target`), so one store code runs on two engines.
interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

let target = '';

export function initialize(data: { target: string }): void {
  target = data.target;
}

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve) {
  if (specifier === './connection.ts' && context.parentURL?.includes('/collector/store/sqlite/')) {
    return { url: target, shortCircuit: true };
  }
  return next(specifier, context);
}
