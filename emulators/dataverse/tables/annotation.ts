import { bool, defineTable, int, lookup, memo, str } from "../schema.ts";

export const annotation = defineTable({
  logicalName: "annotation",
  entitySet: "annotations",
  primaryName: "subject",
  columns: [
    lookup("objectid", ["account", "contact", "lead", "opportunity", "quote", "salesorder", "invoice", "product"], {
      createOnly: true,
    }),
    str("objecttypecode", 64, { readOnly: true }),
    str("subject", 500),
    memo("notetext", 100000),
    bool("isdocument"),
    str("filename", 255),
    str("mimetype", 256),
    memo("documentbody", 1_073_741_823),
    int("filesize", { readOnly: true }),
  ],
});
