// The terminal setup wizard (seed S4; issue 12, first hour 5): asks what the flags did not give, checks each answer
// when it is given (a URL is a URL, an id is not empty, the secret's variable is set, a CA file exists), asks for the
// authority and the CA file (needed against the emulators or a private cloud), offers the companies of the
// environment as a list instead of asking for a GUID, and asks the sales order options and the Sales URL. The checks
// and the company list live in src/integration/setup.ts, shared with the console's assisted setup.

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import type { Readable, Writable } from "node:stream";
import { createBusinessCentralClient } from "../connectors/index.ts";
import { ANSWER_CHECKS, type AnswerCheck, type CompanyChoice, companiesOf } from "../integration/setup.ts";
import type { SetupCliOptions } from "./commands/setup.ts";

export type { CompanyChoice };

export interface WizardIo {
  input: Readable;
  output: Writable;
  env: NodeJS.ProcessEnv;
}

/** Lists the environment's companies with the answers so far (a real connection: it also tests the credentials). */
export type CompanyLister = (answers: SetupCliOptions, env: NodeJS.ProcessEnv) => Promise<CompanyChoice[] | string>;

type Check = AnswerCheck;

const MAX_TRIES = 5;

const { url: isUrl, notEmpty, tenant: tenantLike, clientId: guid, existingFile } = ANSWER_CHECKS;

/** The companies of the Business Central environment the answers name, or why they could not be listed. */
export const listCompanies: CompanyLister = async (a, env) => {
  const secret = a.clientSecretEnv ? env[a.clientSecretEnv] : undefined;
  const client = createBusinessCentralClient({
    url: a.bcUrl ?? "https://api.businesscentral.dynamics.com",
    environment: a.environment ?? "production",
    tenantId: a.bcTenantId ?? a.tenantId ?? "",
    clientId: a.clientId ?? "",
    clientSecret: secret ?? "",
    ...(a.authority ? { authority: a.authority } : {}),
    ...(a.caFile ? { caPem: readFileSync(a.caFile, "utf8") } : {}),
  });
  try {
    const companies = await companiesOf(client);
    return companies.ok ? companies.value : companies.error.message;
  } finally {
    await client.close();
  }
};

export async function askSetupAnswers(
  o: SetupCliOptions,
  io: WizardIo,
  companies: CompanyLister = listCompanies,
): Promise<SetupCliOptions> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: false });
  const say = (line: string) => io.output.write(`${line}\n`);
  /** Asks until the answer passes the check (a blank takes the fallback); a given flag is checked, not asked. */
  const ask = async (question: string, given: string | undefined, check: Check, fallback?: string) => {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const raw = given ?? (await rl.question(`${question}${fallback ? ` [${fallback}]` : ""}: `)).trim();
      const answer = raw || fallback || "";
      const problem = check(answer);
      if (!problem) return answer;
      say(`  Expected ${problem}.`);
      given = undefined;
    }
    throw new Error(`setup: no valid answer to "${question}" after ${MAX_TRIES} tries`);
  };
  const optional = async (question: string, given: string | undefined, check: Check) => {
    const answer = await ask(`${question} (blank: none)`, given, (a) => (a ? check(a) : undefined));
    return answer || undefined;
  };
  const yes = async (question: string, given: boolean | undefined) =>
    given ?? /^y/i.test((await rl.question(`${question} [y/N]: `)).trim());

  try {
    say("Set up the connection between Business Central and Dynamics 365 Sales.\n");
    const a: SetupCliOptions = { ...o };
    a.dataverseUrl = await ask(
      "Dynamics 365 Sales (Dataverse) URL, e.g. https://contoso.crm4.dynamics.com",
      o.dataverseUrl,
      isUrl,
    );
    a.tenantId = await ask("Microsoft Entra tenant id", o.tenantId, tenantLike);
    a.clientId = await ask("App registration (client) id", o.clientId, guid);
    a.clientSecretEnv = await ask(
      "Environment variable that holds the client secret",
      o.clientSecretEnv,
      (name) =>
        !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
          ? "an environment variable name such as BCSYNC_CLIENT_SECRET"
          : io.env[name]
            ? undefined
            : `${name} to be set in this shell (export ${name}=… and answer again)`,
      "BCSYNC_CLIENT_SECRET",
    );
    a.authority = await optional(
      "Token authority, only for a private cloud or the local emulators (default https://login.microsoftonline.com)",
      o.authority,
      isUrl,
    );
    a.caFile = await optional(
      "CA certificate file to trust (PEM), only for a private certificate such as the emulators'",
      o.caFile,
      existingFile,
    );
    a.bcUrl = await ask("Business Central API URL", o.bcUrl, isUrl, "https://api.businesscentral.dynamics.com");
    a.environment = await ask("Business Central environment", o.environment, notEmpty, "production");
    a.company = o.company ?? (await chooseCompany(a));
    a.salesUrl = await optional(
      "Dynamics 365 Sales URL that opens records (default: the Dataverse URL)",
      o.salesUrl,
      isUrl,
    );
    a.itemAvailability = await yes(
      "Synchronize item availability automatically (every 30 minutes)?",
      o.itemAvailability,
    );
    a.bidirectionalSalesOrders = await yes("Synchronize sales orders in both directions?", o.bidirectionalSalesOrders);
    if (!a.bidirectionalSalesOrders) {
      // The two modes exclude each other, as in Business Central.
      a.legacySalesOrders = await yes("Enable legacy sales order integration (Sales → BC)?", o.legacySalesOrders);
      if (a.legacySalesOrders)
        a.autoCreateSalesOrders = await yes(
          "Create Business Central orders automatically when Sales orders are submitted?",
          o.autoCreateSalesOrders,
        );
    }
    a.autoProcessSalesQuotes = await yes(
      "Process activated Sales quotes in Business Central automatically?",
      o.autoProcessSalesQuotes,
    );
    return a;
  } finally {
    rl.close();
  }

  async function chooseCompany(a: SetupCliOptions): Promise<string> {
    const list = await companies(a, io.env);
    if (typeof list === "string") {
      say(`  Could not list the companies (${list}); give the company id instead.`);
      return ask("Business Central company id", undefined, guid);
    }
    if (list.length === 0) throw new Error("setup: the Business Central environment has no company");
    say("Companies in this environment:");
    for (const [i, c] of list.entries()) say(`  ${i + 1}. ${c.name}  (${c.id})`);
    const picked = await ask("Company to connect (number, name or id)", undefined, (answer) =>
      pick(list, answer) ? undefined : `a number from 1 to ${list.length}, a company name or id`,
    );
    return (pick(list, picked) as CompanyChoice).id;
  }
}

function pick(list: CompanyChoice[], answer: string): CompanyChoice | undefined {
  const n = Number(answer);
  if (Number.isInteger(n) && n >= 1 && n <= list.length) return list[n - 1];
  const wanted = answer.toLowerCase();
  return list.find((c) => c.id.toLowerCase() === wanted || c.name.toLowerCase() === wanted);
}
