import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConnectionString, tokenizeConnectionString } from "./connection-string.ts";

const APP = "51f81489-12ee-4a9e-aaae-a2591f45987d";
const SEED = `AuthType=OAuth;Username=jsmith@contoso.onmicrosoft.com;Password=S3cret!;Url=https://contosotest.crm.dynamics.com;AppId=${APP};RedirectUri=app://${APP};TokenCacheStorePath=;LoginPrompt=Auto`;

function errorCode(input: string): string | undefined {
  const r = parseConnectionString(input);
  return r.ok ? undefined : r.error.code;
}

describe("parseConnectionString", () => {
  it("reads the seed's connection string", () => {
    const r = parseConnectionString(SEED);
    expect(r).toEqual({
      ok: true,
      value: {
        authType: "OAuth",
        url: "https://contosotest.crm.dynamics.com",
        username: "jsmith@contoso.onmicrosoft.com",
        password: "S3cret!",
        appId: APP,
        redirectUri: `app://${APP}`,
        loginPrompt: "Auto",
        tokenCacheStorePath: undefined,
        clientSecret: undefined,
        thumbprint: undefined,
        domain: undefined,
      },
    });
  });

  it("follows the SQL-style rules: case-insensitive keys, aliases, quotes, doubled quotes, '==' in keys", () => {
    const r = parseConnectionString(
      ` authtype = oauth ; User Name=u@x.com; Password="a;b""c" ;ServiceUri=https://x.crm4.dynamics.com/;ClientId=${APP};ReplyUrl='app://${APP}';`,
    );
    expect(r.ok && r.value.password).toBe('a;b"c');
    expect(r.ok && r.value.url).toBe("https://x.crm4.dynamics.com");
    expect(tokenizeConnectionString("a==b=1;c='it''s'")).toEqual({
      ok: true,
      value: [
        ["a=b", "1"],
        ["c", "it's"],
      ],
    });
  });

  it("refuses an unknown or retired AuthType", () => {
    expect(errorCode(SEED.replace("AuthType=OAuth", "AuthType=Office365"))).toBe(
      "BCSYNC_E_CONNECTOR_CONNECTION_STRING_AUTH_TYPE",
    );
    expect(errorCode(SEED.replace("AuthType=OAuth;", ""))).toBe("BCSYNC_E_CONNECTOR_CONNECTION_STRING_MISSING_KEY");
  });

  it("requires Url, AppId, and RedirectUri = app://<AppId>", () => {
    expect(errorCode(SEED.replace(/Url=[^;]*;/, ""))).toBe("BCSYNC_E_CONNECTOR_CONNECTION_STRING_MISSING_KEY");
    expect(errorCode(SEED.replace(/Url=[^;]*;/, "Url=http://contoso.crm.dynamics.com;"))).toBe(
      "BCSYNC_E_CONNECTOR_CONNECTION_STRING_BAD_VALUE",
    );
    expect(errorCode(SEED.replace(`RedirectUri=app://${APP}`, "RedirectUri=app://other"))).toBe(
      "BCSYNC_E_CONNECTOR_CONNECTION_STRING_REDIRECT_URI",
    );
    expect(errorCode(SEED.replace(`AppId=${APP}`, "AppId=<your AppId>"))).toBe(
      "BCSYNC_E_CONNECTOR_CONNECTION_STRING_BAD_VALUE",
    );
  });

  it("refuses a key given twice, also through an alias", () => {
    const r = parseConnectionString(`${SEED};ServiceUri=https://other.crm.dynamics.com`);
    expect(r.ok ? undefined : r.error.message).toBe("The connection string names 'Url' more than once.");
  });

  it("reports syntax errors by position", () => {
    expect(errorCode("AuthType=OAuth;Password='unclosed")).toBe("BCSYNC_E_CONNECTOR_CONNECTION_STRING_SYNTAX");
    expect(errorCode("AuthType=OAuth;JustAKey;Url=https://x")).toBe("BCSYNC_E_CONNECTOR_CONNECTION_STRING_SYNTAX");
    expect(errorCode("AuthType=OAuth;Bogus=1")).toBe("BCSYNC_E_CONNECTOR_CONNECTION_STRING_UNKNOWN_KEY");
  });

  it("never echoes the password in any error", () => {
    const breakers = [
      (s: string) => s.replace("AuthType=OAuth", "AuthType=AD"),
      (s: string) => s.replace(/Url=[^;]*;/, ""),
      (s: string) => s.replace(`RedirectUri=app://${APP}`, "RedirectUri=app://x"),
      (s: string) => `${s};Password=again`,
      (s: string) => s.replace("LoginPrompt=Auto", "LoginPrompt=Sometimes"),
      (s: string) => `${s};Pass word=1`,
    ];
    fc.assert(
      fc.property(
        fc.string({ minLength: 6, maxLength: 30 }).filter((p) => /^[A-Za-z0-9!#$%&*+,.:<>?@^_~-]+$/.test(p)),
        fc.constantFrom(...breakers),
        (password, breaker) => {
          const input = breaker(SEED.replace("Password=S3cret!", `Password=${password}`));
          const r = parseConnectionString(input);
          if (r.ok) return true;
          const text = JSON.stringify(r.error.toJSON()) + r.error.message + r.error.fix;
          return !text.includes(password);
        },
      ),
    );
  });
});
