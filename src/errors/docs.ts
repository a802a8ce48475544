// Renders docs/errors.md from the catalogue, so the documentation cannot drift from the code.
import { EXIT_CODE_MEANINGS } from "../cli/exit-codes.ts";
import { allErrorDefinitions } from "./catalogue.ts";

export function renderErrorsMarkdown(): string {
  const lines = [
    "# bcsync error codes",
    "",
    "Every error bcsync raises on purpose has a stable code. The CLI prints the code, the message and the fix;",
    "`--json` output and the REST API carry `{ code, message, fix, params }`. This page is generated from",
    "`src/errors/codes/` by `npm run docs:errors`; a test fails when it is out of date.",
    "",
    "## Exit codes",
    "",
    "Every `bcsync` command exits with one of these (`src/cli/exit-codes.ts`); a run with failures never exits 0.",
    "",
    // A list, not a table: biome formats markdown tables by padding columns, which a generator should not mimic.
    ...EXIT_CODE_MEANINGS.map((e) => `- \`${e.code}\`: ${e.meaning}`),
    "",
  ];
  for (const def of allErrorDefinitions()) {
    lines.push(
      `## ${def.code}`,
      "",
      `HTTP status ${def.status}.`,
      "",
      `Message: ${def.message}`,
      "",
      `Fix: ${def.fix}`,
      "",
    );
  }
  return lines.join("\n");
}

if (process.argv[1]?.endsWith("docs.ts")) {
  const { writeFileSync } = await import("node:fs");
  writeFileSync(new URL("../../docs/errors.md", import.meta.url), renderErrorsMarkdown());
}
