// Short constructors for field definitions, so entity files read like the documented field tables.

import type { FieldDef } from "./types.ts";

export const text = (maxLength: number, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "string",
  maxLength,
  default: "",
  ...extra,
});
export const code = (maxLength: number, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "string",
  maxLength,
  code: true,
  default: "",
  ...extra,
});
export const guid = (extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "guid",
  default: "00000000-0000-0000-0000-000000000000",
  ...extra,
});
export const decimal = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: "decimal", default: 0, ...extra });
export const int = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: "int", default: 0, ...extra });
export const bool = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: "bool", default: false, ...extra });
export const date = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: "date", default: "0001-01-01", ...extra });
export const datetime = (extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "datetime",
  default: "0001-01-01T00:00:00Z",
  ...extra,
});
export const enumOf = (values: readonly string[], extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "enum",
  values,
  default: values[0],
  ...extra,
});

export const RO = { readOnly: true } as const;

/** Every page: the SystemId key and SystemModifiedAt. */
export const systemFields = (): Record<string, FieldDef> => ({
  id: guid(RO),
});
export const modifiedField = (): Record<string, FieldDef> => ({ lastModifiedDateTime: datetime(RO) });

export const address = (prefix = ""): Record<string, FieldDef> => {
  const p = (name: string) => (prefix ? `${prefix}${name[0].toUpperCase()}${name.slice(1)}` : name);
  return {
    [p("addressLine1")]: text(100),
    [p("addressLine2")]: text(50),
    [p("city")]: text(30),
    [p("state")]: text(30),
    [p("country")]: code(10),
    [p("postalCode")]: code(20),
  };
};
