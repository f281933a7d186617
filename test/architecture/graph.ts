// Module graph helpers for the layout test. A module is a top-level folder (`probe`, `runner`,
// `schema`...), `action`, or one stage folder of the collector (`collector/engine`,
// `collector/store`...); a subfolder belongs to its module. The collector's own root files
// (app.ts, server.ts, routes.ts) are the module `collector`, which only composes the others.

export function moduleOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'collector') return parts.length > 2 ? `collector/${parts[1]}` : 'collector';
  if (parts.length === 1) return '.';
  return parts[0]!;
}

/** Strongly connected components of more than one module (Tarjan), each with its edges, sorted. */
export function findCycles(edges: readonly (readonly [string, string])[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const [from, to] of edges) {
    if (!graph.has(from)) graph.set(from, new Set());
    if (!graph.has(to)) graph.set(to, new Set());
    graph.get(from)!.add(to);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];

  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) {
      const members = new Set(component);
      cycles.push(
        component
          .flatMap((from) =>
            [...graph.get(from)!].filter((to) => members.has(to)).map((to) => `${from} -> ${to}`),
          )
          .sort(),
      );
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
