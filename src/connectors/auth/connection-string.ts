// The legacy Dataverse (CrmServiceClient) connection string of the seed:
//   AuthType=OAuth;Username=...;Password=...;Url=...;AppId=...;RedirectUri=app://<AppId>;TokenCacheStorePath=;LoginPrompt=Auto
// Tokenized by the SQL-style connection string rules (DbConnectionStringBuilder): pairs split on ';', keys are
// case-insensitive and trimmed, '==' in a key is a literal '=', a value may be quoted with ' or " and the quote
// doubled inside it. Errors name keys and positions, never values, so a password cannot leak through them.
import {
  CONNECTOR_CONNECTION_STRING_AUTH_TYPE,
  CONNECTOR_CONNECTION_STRING_BAD_VALUE,
  CONNECTOR_CONNECTION_STRING_DUPLICATE_KEY,
  CONNECTOR_CONNECTION_STRING_MISSING_KEY,
  CONNECTOR_CONNECTION_STRING_REDIRECT_URI,
  CONNECTOR_CONNECTION_STRING_SYNTAX,
  CONNECTOR_CONNECTION_STRING_UNKNOWN_KEY,
} from "../../errors/codes/connectors.ts";
import { bcsyncError } from "../../errors/define.ts";
import { fail, ok, type Result } from "../result.ts";

export type LegacyAuthType = "OAuth" | "ClientSecret" | "Certificate";
export type LoginPrompt = "Auto" | "Always" | "Never";

export interface LegacyConnectionSettings {
  authType: LegacyAuthType;
  url: string;
  username?: string;
  password?: string;
  appId?: string;
  redirectUri?: string;
  clientSecret?: string;
  thumbprint?: string;
  domain?: string;
  tokenCacheStorePath?: string;
  loginPrompt: LoginPrompt;
}

type Canonical =
  | "AuthType"
  | "Url"
  | "Username"
  | "Password"
  | "AppId"
  | "RedirectUri"
  | "ClientSecret"
  | "Thumbprint"
  | "Domain"
  | "TokenCacheStorePath"
  | "LoginPrompt"
  | "RequireNewInstance"
  | "SkipDiscovery";

const ALIASES: Record<string, Canonical> = {
  authtype: "AuthType",
  authenticationtype: "AuthType",
  url: "Url",
  serviceuri: "Url",
  "service uri": "Url",
  server: "Url",
  username: "Username",
  "user name": "Username",
  userid: "Username",
  "user id": "Username",
  password: "Password",
  appid: "AppId",
  clientid: "AppId",
  redirecturi: "RedirectUri",
  replyurl: "RedirectUri",
  clientsecret: "ClientSecret",
  secret: "ClientSecret",
  thumbprint: "Thumbprint",
  certthumbprint: "Thumbprint",
  domain: "Domain",
  tokencachestorepath: "TokenCacheStorePath",
  loginprompt: "LoginPrompt",
  requirenewinstance: "RequireNewInstance",
  skipdiscovery: "SkipDiscovery",
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Splits a connection string into [key, value] pairs in order, by the SQL-style rules. */
export function tokenizeConnectionString(input: string): Result<Array<[string, string]>> {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  const n = input.length;
  const syntax = (position: number, reason: string) =>
    fail<Array<[string, string]>>(bcsyncError(CONNECTOR_CONNECTION_STRING_SYNTAX, { position: position + 1, reason }));
  while (i < n) {
    while (i < n && (input[i] === ";" || /\s/.test(input[i]))) i++;
    if (i >= n) break;
    const keyStart = i;
    let key = "";
    for (;;) {
      if (i >= n || input[i] === ";") return syntax(keyStart, "a key without '=' and value");
      if (input[i] === "=") {
        if (input[i + 1] === "=") {
          key += "=";
          i += 2;
          continue;
        }
        break;
      }
      key += input[i++];
    }
    i++; // past '='
    key = key.trim();
    if (key === "") return syntax(keyStart, "an empty key");
    while (i < n && input[i] !== ";" && /\s/.test(input[i])) i++;
    let value = "";
    const quote = input[i];
    if (quote === '"' || quote === "'") {
      const valueStart = i;
      i++;
      for (;;) {
        if (i >= n) return syntax(valueStart, `the quoted value of '${key}' is not closed`);
        if (input[i] === quote) {
          if (input[i + 1] === quote) {
            value += quote;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += input[i++];
      }
      while (i < n && input[i] !== ";" && /\s/.test(input[i])) i++;
      if (i < n && input[i] !== ";") return syntax(i, `unexpected text after the quoted value of '${key}'`);
    } else {
      const valueStart = i;
      while (i < n && input[i] !== ";") i++;
      value = input.slice(valueStart, i).trim();
    }
    pairs.push([key, value]);
  }
  return ok(pairs);
}

export function parseConnectionString(input: string): Result<LegacyConnectionSettings> {
  const tokens = tokenizeConnectionString(input);
  if (!tokens.ok) return tokens;
  const values = new Map<Canonical, string>();
  for (const [key, value] of tokens.value) {
    const canonical = ALIASES[key.toLowerCase().replace(/\s+/g, " ")];
    if (!canonical) return fail(bcsyncError(CONNECTOR_CONNECTION_STRING_UNKNOWN_KEY, { key }));
    if (values.has(canonical)) return fail(bcsyncError(CONNECTOR_CONNECTION_STRING_DUPLICATE_KEY, { key: canonical }));
    values.set(canonical, value);
  }
  const get = (key: Canonical) => {
    const v = values.get(key);
    return v === undefined || v === "" ? undefined : v;
  };

  const rawAuth = get("AuthType");
  if (!rawAuth)
    return fail(bcsyncError(CONNECTOR_CONNECTION_STRING_MISSING_KEY, { key: "AuthType", authType: "(none)" }));
  const authType = (["OAuth", "ClientSecret", "Certificate"] as const).find(
    (t) => t.toLowerCase() === rawAuth.toLowerCase(),
  );
  if (!authType) return fail(bcsyncError(CONNECTOR_CONNECTION_STRING_AUTH_TYPE, { authType: rawAuth }));
  const missing = (key: string) =>
    fail<LegacyConnectionSettings>(bcsyncError(CONNECTOR_CONNECTION_STRING_MISSING_KEY, { key, authType }));
  const bad = (key: string, expected: string) =>
    fail<LegacyConnectionSettings>(bcsyncError(CONNECTOR_CONNECTION_STRING_BAD_VALUE, { key, expected }));

  const url = get("Url");
  if (!url) return missing("Url");
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    return bad("Url", "an absolute URL such as https://contoso.crm.dynamics.com is expected");
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(parsedUrl.hostname);
  if (parsedUrl.protocol !== "https:" && !(parsedUrl.protocol === "http:" && loopback)) {
    return bad("Url", "the URL must use https (http only for a local emulator)");
  }

  const appId = get("AppId");
  if (!appId) return missing("AppId");
  if (!GUID.test(appId)) return bad("AppId", "the application (client) id must be a GUID");

  const rawPrompt = get("LoginPrompt") ?? "Auto";
  const loginPrompt = (["Auto", "Always", "Never"] as const).find((p) => p.toLowerCase() === rawPrompt.toLowerCase());
  if (!loginPrompt) return bad("LoginPrompt", "Auto, Always or Never is expected");

  const settings: LegacyConnectionSettings = {
    authType,
    url: parsedUrl.origin,
    appId,
    loginPrompt,
    username: get("Username"),
    password: values.get("Password"),
    redirectUri: get("RedirectUri"),
    clientSecret: values.get("ClientSecret"),
    thumbprint: get("Thumbprint"),
    domain: get("Domain"),
    tokenCacheStorePath: get("TokenCacheStorePath"),
  };

  if (authType === "OAuth") {
    if (!settings.redirectUri) return missing("RedirectUri");
    if (settings.redirectUri.toLowerCase() !== `app://${appId}`.toLowerCase()) {
      return fail(bcsyncError(CONNECTOR_CONNECTION_STRING_REDIRECT_URI, { redirectUri: settings.redirectUri, appId }));
    }
    // bcsync runs unattended: it cannot show a login prompt, so user and password must both be present.
    if (!settings.username) return missing("Username");
    if (!settings.password) return missing("Password");
    if (loginPrompt === "Always") return bad("LoginPrompt", "bcsync runs unattended, so Auto or Never is expected");
  }
  if (authType === "ClientSecret" && !settings.clientSecret) return missing("ClientSecret");
  if (authType === "Certificate") {
    if (!settings.thumbprint) return missing("Thumbprint");
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(settings.thumbprint)) {
      return bad("Thumbprint", "a SHA-1 (40) or SHA-256 (64) hex thumbprint is expected");
    }
  }
  return ok(settings);
}
