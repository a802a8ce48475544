// `$metadata`: a CSDL document generated from the page definitions, in the `Microsoft.NAV` namespace BC uses
// (entity types, enum types with encoded members, navigation properties, entity sets and bound actions).

import { encodeEnum } from "./entities/encoding.ts";
import type { ApiDef } from "./entities/registry.ts";
import type { FieldDef } from "./entities/types.ts";

const EDM: Record<string, string> = {
  string: "Edm.String",
  guid: "Edm.Guid",
  decimal: "Edm.Decimal",
  int: "Edm.Int32",
  int64: "Edm.Int64",
  bool: "Edm.Boolean",
  date: "Edm.Date",
  datetime: "Edm.DateTimeOffset",
};

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
const upper = (s: string) => s[0].toUpperCase() + s.slice(1);

export function buildMetadata(api: ApiDef): string {
  const enums = new Map<string, readonly string[]>();
  const types: string[] = [];
  const sets: string[] = [];
  const actions: string[] = [];
  for (const page of api.pages.values()) {
    const key = page.set === "subscriptions" ? "subscriptionId" : "id";
    const props = Object.entries(page.fields).map(([name, f]: [string, FieldDef]) => {
      let type = EDM[f.type] ?? "Edm.String";
      if (f.type === "enum") {
        const enumName = `${page.entity}${upper(name)}`;
        enums.set(enumName, f.values ?? []);
        type = `Microsoft.NAV.${enumName}`;
      }
      const max = f.type === "string" && f.maxLength ? ` MaxLength="${f.maxLength}"` : "";
      const nullable = name === key ? ` Nullable="false"` : "";
      const scale = f.type === "decimal" ? ` Scale="Variable"` : "";
      return `<Property Name="${name}" Type="${type}"${nullable}${max}${scale} />`;
    });
    for (const name of Object.keys(page.streams ?? {})) props.push(`<Property Name="${name}" Type="Edm.Stream" />`);
    const navs = Object.entries(page.navigation ?? {}).map(([name, n]) => {
      const target = api.pages.get(n.target);
      const type = `Microsoft.NAV.${target?.entity ?? n.target}`;
      return n.many
        ? `<NavigationProperty Name="${name}" Type="Collection(${type})" ContainsTarget="true" />`
        : `<NavigationProperty Name="${name}" Type="${type}" />`;
    });
    types.push(
      `<EntityType Name="${page.entity}"><Key><PropertyRef Name="${key}" /></Key>${props.join("")}${navs.join("")}</EntityType>`,
    );
    sets.push(`<EntitySet Name="${page.set}" EntityType="Microsoft.NAV.${page.entity}" />`);
    for (const action of page.actions ?? [])
      actions.push(
        `<Action Name="${action}" IsBound="true"><Parameter Name="bindingParameter" Type="Microsoft.NAV.${page.entity}" /></Action>`,
      );
  }
  const enumXml = [...enums].map(
    ([name, values]) =>
      `<EnumType Name="${name}">${values.map((v, i) => `<Member Name="${xml(encodeEnum(v))}" Value="${i}" />`).join("")}</EnumType>`,
  );
  return [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">`,
    `<edmx:DataServices><Schema Namespace="Microsoft.NAV" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
    ...enumXml,
    ...types,
    ...actions,
    `<EntityContainer Name="NAV">${sets.join("")}</EntityContainer>`,
    `</Schema></edmx:DataServices></edmx:Edmx>`,
  ].join("\n");
}
