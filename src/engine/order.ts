// The order in which mappings synchronize: dependencies first (a customer's salesperson must be coupled before
// the customer can name its owner), then runOrder, then name. Pure; a cycle is reported, not looped on.

import type { TableMapping } from "./model.ts";

export type OrderResult = { ok: true; order: string[] } | { ok: false; cycle: string[] };

export function syncOrder(mappings: readonly TableMapping[]): OrderResult {
  const byName = new Map(mappings.map((m) => [m.name, m]));
  const depsOf = (m: TableMapping) => [
    ...new Set([...m.dependsOn, ...(m.parent ? [m.parent.mapping] : [])].filter((d) => byName.has(d))),
  ];
  const order: string[] = [];
  const done = new Set<string>();
  const visiting: string[] = [];
  const sorted = [...mappings].sort((a, b) => a.runOrder - b.runOrder || a.name.localeCompare(b.name));
  const visit = (m: TableMapping): string[] | undefined => {
    if (done.has(m.name)) return undefined;
    const at = visiting.indexOf(m.name);
    if (at >= 0) return [...visiting.slice(at), m.name];
    visiting.push(m.name);
    const deps = depsOf(m)
      .map((d) => byName.get(d)!)
      .sort((a, b) => a.runOrder - b.runOrder || a.name.localeCompare(b.name));
    for (const d of deps) {
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    visiting.pop();
    done.add(m.name);
    order.push(m.name);
    return undefined;
  };
  for (const m of sorted) {
    const cycle = visit(m);
    if (cycle) return { ok: false, cycle };
  }
  return { ok: true, order };
}
