// A CSDL $metadata document for the tables the emulator serves: entity types with keys, properties,
// navigation properties, alternate keys and the change-tracking capability annotation.
import type { Model } from "./model.ts";
import { type ColumnType, lookupValue } from "./schema.ts";

const EDM: Record<ColumnType, string> = {
  uniqueidentifier: "Edm.Guid",
  string: "Edm.String",
  memo: "Edm.String",
  integer: "Edm.Int32",
  bigint: "Edm.Int64",
  decimal: "Edm.Decimal",
  money: "Edm.Decimal",
  double: "Edm.Double",
  boolean: "Edm.Boolean",
  datetime: "Edm.DateTimeOffset",
  picklist: "Edm.Int32",
  state: "Edm.Int32",
  status: "Edm.Int32",
  lookup: "Edm.Guid",
};

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

export function metadataDocument(model: Model): string {
  const types: string[] = [];
  const sets: string[] = [];
  for (const t of model.tables.values()) {
    const d = t.def;
    const lines = [`<EntityType Name="${d.logicalName}"><Key><PropertyRef Name="${d.primaryKey}" /></Key>`];
    for (const c of d.columns) {
      const name = c.type === "lookup" ? lookupValue(c.name) : c.name;
      const max = c.maxLength && c.maxLength < 1_000_000 ? ` MaxLength="${c.maxLength}"` : "";
      lines.push(`<Property Name="${name}" Type="${EDM[c.type]}"${max} />`);
    }
    for (const nav of t.navigation.values()) {
      if (nav.kind === "single") {
        const target = nav.target ?? (nav.column.targets?.length === 1 ? nav.column.targets[0] : "principal");
        lines.push(
          `<NavigationProperty Name="${nav.name}" Type="mscrm.${target}"><ReferentialConstraint Property="${lookupValue(nav.column.name)}" ReferencedProperty="${target === "principal" ? "ownerid" : `${target}id`}" /></NavigationProperty>`,
        );
      } else {
        const other = nav.kind === "oneToMany" ? nav.rel.table : nav.rel.otherTable;
        lines.push(`<NavigationProperty Name="${nav.name}" Type="Collection(mscrm.${other})" />`);
      }
    }
    if (d.alternateKeys.length) {
      lines.push(
        `<Annotation Term="OData.Community.Keys.V1.AlternateKeys"><Collection>${d.alternateKeys
          .map(
            (k) =>
              `<Record Type="OData.Community.Keys.V1.AlternateKey"><PropertyValue Property="Key"><Collection>${k
                .map(
                  (c) =>
                    `<Record Type="OData.Community.Keys.V1.PropertyRef"><PropertyValue Property="Alias" String="${esc(c)}" /><PropertyValue Property="Name" PropertyPath="${esc(c)}" /></Record>`,
                )
                .join("")}</Collection></PropertyValue></Record>`,
          )
          .join("")}</Collection></Annotation>`,
      );
    }
    lines.push("</EntityType>");
    types.push(lines.join(""));
    sets.push(
      `<EntitySet Name="${d.entitySet}" EntityType="Microsoft.Dynamics.CRM.${d.logicalName}"><Annotation Term="Org.OData.Capabilities.V1.ChangeTracking"><Record><PropertyValue Property="Supported" Bool="true" /></Record></Annotation></EntitySet>`,
    );
  }
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '<edmx:DataServices><Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
    '<EntityType Name="crmbaseentity" Abstract="true" />',
    '<EntityType Name="principal" Abstract="true"><Key><PropertyRef Name="ownerid" /></Key><Property Name="ownerid" Type="Edm.Guid" /></EntityType>',
    ...types,
    '<ComplexType Name="WhoAmIResponse"><Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false" /><Property Name="UserId" Type="Edm.Guid" Nullable="false" /><Property Name="OrganizationId" Type="Edm.Guid" Nullable="false" /></ComplexType>',
    '<Function Name="WhoAmI"><ReturnType Type="mscrm.WhoAmIResponse" Nullable="false" /></Function>',
    '<ComplexType Name="GetTimeZoneCodeByLocalizedNameResponse"><Property Name="TimeZoneCode" Type="Edm.Int32" Nullable="false" /></ComplexType>',
    '<Function Name="GetTimeZoneCodeByLocalizedName"><Parameter Name="LocalizedStandardName" Type="Edm.String" Nullable="false" Unicode="false" /><Parameter Name="LocaleId" Type="Edm.Int32" Nullable="false" /><ReturnType Type="mscrm.GetTimeZoneCodeByLocalizedNameResponse" Nullable="false" /></Function>',
    '<ComplexType Name="RetrieveVersionResponse"><Property Name="Version" Type="Edm.String" Unicode="false" /></ComplexType>',
    '<Function Name="RetrieveVersion"><ReturnType Type="mscrm.RetrieveVersionResponse" Nullable="false" /></Function>',
    '<EnumType Name="EndpointAccessType"><Member Name="Default" Value="0" /><Member Name="Internet" Value="1" /><Member Name="Intranet" Value="2" /></EnumType>',
    '<ComplexType Name="EndpointCollection"><Property Name="Count" Type="Edm.Int32" Nullable="false" /><Property Name="IsReadOnly" Type="Edm.Boolean" Nullable="false" /><Property Name="Keys" Type="Collection(Edm.String)" /><Property Name="Values" Type="Collection(Edm.String)" /></ComplexType>',
    '<ComplexType Name="OrganizationDetail"><Property Name="OrganizationId" Type="Edm.Guid" Nullable="false" /><Property Name="FriendlyName" Type="Edm.String" Unicode="false" /><Property Name="OrganizationVersion" Type="Edm.String" Unicode="false" /><Property Name="Geo" Type="Edm.String" Unicode="false" /><Property Name="UrlName" Type="Edm.String" Unicode="false" /><Property Name="UniqueName" Type="Edm.String" Unicode="false" /><Property Name="Endpoints" Type="mscrm.EndpointCollection" /><Property Name="State" Type="Edm.String" Unicode="false" /></ComplexType>',
    '<ComplexType Name="RetrieveCurrentOrganizationResponse"><Property Name="Detail" Type="mscrm.OrganizationDetail" /></ComplexType>',
    '<Function Name="RetrieveCurrentOrganization"><Parameter Name="AccessType" Type="mscrm.EndpointAccessType" Nullable="false" /><ReturnType Type="mscrm.RetrieveCurrentOrganizationResponse" Nullable="false" /></Function>',
    '<ComplexType Name="CreateMultipleResponse"><Property Name="Ids" Type="Collection(Edm.Guid)" Nullable="false" /></ComplexType>',
    '<ComplexType Name="RolePrivilege"><Property Name="Depth" Type="mscrm.PrivilegeDepth" Nullable="false" /><Property Name="PrivilegeId" Type="Edm.Guid" Nullable="false" /><Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false" /><Property Name="PrivilegeName" Type="Edm.String" Unicode="false" /></ComplexType>',
    '<EnumType Name="PrivilegeDepth"><Member Name="Basic" Value="0" /><Member Name="Local" Value="1" /><Member Name="Deep" Value="2" /><Member Name="Global" Value="3" /><Member Name="RecordFilter" Value="4" /></EnumType>',
    '<ComplexType Name="RetrieveRolePrivilegesRoleResponse"><Property Name="RolePrivileges" Type="Collection(mscrm.RolePrivilege)" Nullable="false" /></ComplexType>',
    '<ComplexType Name="EntityRecordCountCollection"><Property Name="Count" Type="Edm.Int32" Nullable="false" /><Property Name="IsReadOnly" Type="Edm.Boolean" Nullable="false" /><Property Name="Keys" Type="Collection(Edm.String)" /><Property Name="Values" Type="Collection(Edm.Int64)" /></ComplexType>',
    '<ComplexType Name="RetrieveTotalRecordCountResponse"><Property Name="EntityRecordCountCollection" Type="mscrm.EntityRecordCountCollection" /></ComplexType>',
    '<Function Name="RetrieveTotalRecordCount"><Parameter Name="EntityNames" Type="Collection(Edm.String)" Nullable="false" /><ReturnType Type="mscrm.RetrieveTotalRecordCountResponse" Nullable="false" /></Function>',
    '<Function Name="RetrieveRolePrivilegesRole"><Parameter Name="RoleId" Type="Edm.Guid" Nullable="false" /><ReturnType Type="mscrm.RetrieveRolePrivilegesRoleResponse" Nullable="false" /></Function>',
    '<Action Name="AddPrivilegesRole" IsBound="true"><Parameter Name="entity" Type="mscrm.role" Nullable="false" /><Parameter Name="Privileges" Type="Collection(mscrm.RolePrivilege)" Nullable="false" /></Action>',
    '<Action Name="ReplacePrivilegesRole" IsBound="true"><Parameter Name="entity" Type="mscrm.role" Nullable="false" /><Parameter Name="Privileges" Type="Collection(mscrm.RolePrivilege)" Nullable="false" /></Action>',
    '<Action Name="RemovePrivilegeRole" IsBound="true"><Parameter Name="entity" Type="mscrm.role" Nullable="false" /><Parameter Name="Privilege" Type="mscrm.privilege" Nullable="false" /></Action>',
    ...["CreateMultiple", "UpdateMultiple", "UpsertMultiple"].map(
      (a) =>
        `<Action Name="${a}" IsBound="true"><Parameter Name="entityset" Type="Collection(mscrm.crmbaseentity)" Nullable="false" /><Parameter Name="Targets" Type="Collection(mscrm.crmbaseentity)" Nullable="false" />${a === "CreateMultiple" ? '<ReturnType Type="mscrm.CreateMultipleResponse" Nullable="false" />' : ""}</Action>`,
    ),
    '<EntityContainer Name="System">',
    ...sets,
    '<FunctionImport Name="WhoAmI" Function="Microsoft.Dynamics.CRM.WhoAmI" />',
    '<FunctionImport Name="RetrieveVersion" Function="Microsoft.Dynamics.CRM.RetrieveVersion" />',
    '<FunctionImport Name="GetTimeZoneCodeByLocalizedName" Function="Microsoft.Dynamics.CRM.GetTimeZoneCodeByLocalizedName" />',
    '<FunctionImport Name="RetrieveCurrentOrganization" Function="Microsoft.Dynamics.CRM.RetrieveCurrentOrganization" />',
    '<FunctionImport Name="RetrieveTotalRecordCount" Function="Microsoft.Dynamics.CRM.RetrieveTotalRecordCount" />',
    '<FunctionImport Name="RetrieveRolePrivilegesRole" Function="Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRole" />',
    "</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>",
  ].join("\n");
}
