// Security roles' privileges: the seeded privilege rows (prv<Verb><Table> for the tables served), the
// roleprivileges intersect rows with their depth mask, and the role messages that write and read them:
// AddPrivilegesRole / ReplacePrivilegesRole / RemovePrivilegeRole (bound actions on role) and
// RetrieveRolePrivilegesRole (function). Depth travels as the PrivilegeDepth enum name ("Basic"..."Global").
import { randomUUID } from "node:crypto";
import { dv, fail } from "./errors.ts";
import { normalizeGuid } from "./keys.ts";
import type { Model, TableModel } from "./model.ts";
import type { Records, Row, WriteContext } from "./records.ts";
import { seedId } from "./seed/ids.ts";

/** PrivilegeDepth enum names and the privilegedepthmask bit each one stores. */
export const DEPTH_MASK: Readonly<Record<string, number>> = { Basic: 1, Local: 2, Deep: 4, Global: 8 };
const DEPTH_NAME: Readonly<Record<number, string>> = { 1: "Basic", 2: "Local", 4: "Deep", 8: "Global" };

/** AccessRights values (privilege.accessright). */
const VERBS: readonly { verb: string; right: number; ownedOnly?: boolean }[] = [
  { verb: "Create", right: 32 },
  { verb: "Read", right: 1 },
  { verb: "Write", right: 2 },
  { verb: "Delete", right: 65536 },
  { verb: "Append", right: 4 },
  { verb: "AppendTo", right: 16 },
  { verb: "Assign", right: 524288, ownedOnly: true },
  { verb: "Share", right: 262144, ownedOnly: true },
];

/** Privilege names use the table's privilege name, which is not always its schema name (annotation → Note). */
const PRIVILEGE_NAMES: Readonly<Record<string, string>> = {
  account: "Account",
  contact: "Contact",
  lead: "Lead",
  opportunity: "Opportunity",
  product: "Product",
  uom: "UoM",
  uomschedule: "UoMSchedule",
  pricelevel: "PriceLevel",
  productpricelevel: "ProductPriceLevel",
  salesorder: "SalesOrder",
  salesorderdetail: "SalesOrderDetail",
  quote: "Quote",
  quotedetail: "QuoteDetail",
  invoice: "Invoice",
  invoicedetail: "InvoiceDetail",
  annotation: "Note",
  systemuser: "User",
  team: "Team",
  businessunit: "BusinessUnit",
  role: "Role",
  transactioncurrency: "TransactionCurrency",
  organization: "Organization",
};

/** Tables without privileges of their own (intersects, privilege itself). */
const NO_PRIVILEGES = new Set(["systemuserroles", "teammembership", "privilege"]);

export const INTERSECT = "roleprivileges";

export function privilegeId(name: string): string {
  return seedId(`privilege:${name}`);
}

/** The privileges of the served tables plus prvActOnBehalfOfAnotherUser; returns their ids by name. */
export function seedPrivileges(records: Records, model: Model, ctx: WriteContext): Map<string, string> {
  const table = model.table("privilege");
  const ids = new Map<string, string>();
  const put = (name: string, right: number, depths: { basic: boolean; local: boolean; deep: boolean }) => {
    const id = privilegeId(name);
    const created = records.create(table, { privilegeid: id }, ctx);
    // The columns are read-only through the Web API: write the platform's values directly.
    records.rows(table).put(id, {
      ...created,
      name,
      accessright: right,
      canbebasic: depths.basic,
      canbelocal: depths.local,
      canbedeep: depths.deep,
      canbeglobal: true,
      canbeentityreference: false,
      canbeparententityreference: false,
    });
    ids.set(name, id);
  };
  for (const t of model.tables.values()) {
    if (NO_PRIVILEGES.has(t.def.logicalName)) continue;
    const owned = t.def.ownership === "user";
    const suffix = PRIVILEGE_NAMES[t.def.logicalName] ?? t.def.logicalName;
    for (const v of VERBS) {
      if (v.ownedOnly && !owned) continue;
      put(`prv${v.verb}${suffix}`, v.right, { basic: owned, local: owned, deep: owned });
    }
  }
  put("prvActOnBehalfOfAnotherUser", 0, { basic: false, local: false, deep: false });
  return ids;
}

/** Grants (or re-grants at a new depth) privileges to a role. */
export function grant(records: Records, roleId: string, privilegeIdToMask: Iterable<[string, number]>): void {
  const rows = records.store.table<Row>(INTERSECT);
  const existing = new Map<string, string>();
  for (const [iid, r] of rows.scan()) if (r.roleid === roleId) existing.set(r.privilegeid as string, iid);
  for (const [pid, mask] of privilegeIdToMask) {
    const iid = existing.get(pid) ?? randomUUID();
    rows.put(iid, {
      roleprivilegeid: iid,
      roleid: roleId,
      privilegeid: pid,
      privilegedepthmask: mask,
      versionnumber: records.bumpVersion(),
    });
  }
}

/** The role's privileges as RolePrivilege complex values. */
export function rolePrivileges(records: Records, model: Model, roleId: string): Record<string, unknown>[] {
  const privileges = model.table("privilege");
  const role = records.get(model.table("role"), roleId);
  const out: Record<string, unknown>[] = [];
  for (const [, r] of records.store.table<Row>(INTERSECT).scan()) {
    if (r.roleid !== roleId) continue;
    const p = records.get(privileges, r.privilegeid as string);
    out.push({
      Depth: DEPTH_NAME[r.privilegedepthmask as number] ?? "Global",
      PrivilegeId: r.privilegeid,
      BusinessUnitId: role?._businessunitid_value ?? null,
      PrivilegeName: p?.name ?? null,
    });
  }
  return out.sort((a, b) => String(a.PrivilegeName).localeCompare(String(b.PrivilegeName)));
}

/** Runs a bound action on a role; 204 on success, errors thrown as faults. */
export function roleAction(
  records: Records,
  model: Model,
  role: TableModel,
  roleId: string,
  action: string,
  body: Record<string, unknown>,
): void {
  if (!records.get(role, roleId)) fail(dv.make("notFound", "role", roleId));
  const privileges = model.table("privilege");
  if (action === "RemovePrivilegeRole") {
    const ref = body.Privilege as Record<string, unknown> | undefined;
    const raw = ref?.privilegeid ?? /\(([^)]+)\)$/.exec(String(ref?.["@odata.id"] ?? ""))?.[1];
    const pid = typeof raw === "string" ? normalizeGuid(raw) : undefined;
    if (!pid) fail(dv.make("badJson", "The parameter 'Privilege' must reference a privilege."));
    const rows = records.store.table<Row>(INTERSECT);
    let removed = false;
    for (const [iid, r] of [...rows.scan()]) {
      if (r.roleid === roleId && r.privilegeid === pid) {
        rows.delete(iid);
        removed = true;
      }
    }
    if (!removed) fail(dv.make("notFound", "privilege", pid));
    return;
  }
  const list = body.Privileges;
  if (!Array.isArray(list)) fail(dv.make("badJson", "The parameter 'Privileges' is required and must be an array."));
  const wanted = new Map<string, number>();
  for (const item of list as Record<string, unknown>[]) {
    const depth = item.Depth;
    if (typeof depth !== "string")
      fail(dv.make("badJson", `Cannot read the value '${String(depth)}' as a quoted JSON string value.`));
    const mask = DEPTH_MASK[depth];
    if (mask === undefined)
      fail(dv.make("badJson", `The value '${depth}' is not a valid member of Microsoft.Dynamics.CRM.PrivilegeDepth.`));
    const pid = typeof item.PrivilegeId === "string" ? normalizeGuid(item.PrivilegeId) : undefined;
    const p = pid ? records.get(privileges, pid) : undefined;
    if (!pid || !p) fail(dv.make("notFound", "privilege", String(item.PrivilegeId ?? "")));
    const allowed = mask === 8 ? p.canbeglobal : mask === 4 ? p.canbedeep : mask === 2 ? p.canbelocal : p.canbebasic;
    if (allowed !== true) fail(dv.make("invalidDepth", String(p.name), depth));
    wanted.set(pid, mask);
  }
  if (action === "ReplacePrivilegesRole") {
    const rows = records.store.table<Row>(INTERSECT);
    for (const [iid, r] of [...rows.scan()]) if (r.roleid === roleId) rows.delete(iid);
  }
  grant(records, roleId, wanted);
}
