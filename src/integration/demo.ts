// What the demo does beyond a normal setup: the emulators' Business Central salespeople and Sales users are
// different people with different e-mail addresses, so nothing would couple them and every owner (seed S14)
// would fail "must be coupled". The demo couples them pairwise, as a user would with `bcsync couple SALESPEOPLE`.

import type { Row } from "../connectors/index.ts";
import type { IntegrationContext } from "./context.ts";

async function all(gen: AsyncGenerator<{ ok: true; value: { rows: Row[] } } | { ok: false; error: Error }>) {
  const out: Row[] = [];
  for await (const page of gen) {
    if (!page.ok) throw page.error;
    out.push(...page.value.rows);
  }
  return out;
}

/** Couples BC salespeople (by code) with human Sales users (by name); returns the pairs made. */
export async function coupleDemoSalespeople(ctx: IntegrationContext): Promise<{ code: string; user: string }[]> {
  const mapping = ctx.mappings.find((m) => m.name === "SALESPEOPLE");
  if (!mapping) return [];
  const people = (
    await all(ctx.businessCentral.company(ctx.companyId).pages("salespeoplePurchasers", { select: ["id", "code"] }))
  ).sort((a, b) => String(a.code).localeCompare(String(b.code)));
  const users = (
    await all(
      ctx.dataverse.pages("systemusers", { filter: mapping.dataverse.filter, select: ["systemuserid", "fullname"] }),
    )
  )
    .filter((u) => !String(u.fullname).startsWith("#"))
    .sort((a, b) => String(a.fullname).localeCompare(String(b.fullname)));
  const pairs: { code: string; user: string }[] = [];
  for (let i = 0; i < Math.min(people.length, users.length); i++) {
    const bcId = String(people[i].id).toLowerCase();
    const dataverseId = String(users[i].systemuserid).toLowerCase();
    if (await ctx.store.couplings.getByBcId("SALESPEOPLE", bcId)) continue;
    if (await ctx.store.couplings.getByDataverseId("SALESPEOPLE", dataverseId)) continue;
    await ctx.store.couplings.couple({ mappingName: "SALESPEOPLE", bcId, dataverseId });
    pairs.push({ code: String(people[i].code), user: String(users[i].fullname) });
  }
  return pairs;
}
