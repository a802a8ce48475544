import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, scrubSecrets } from "./logger.ts";

describe("logger", () => {
  it("redacts secrets in structured fields", () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ destination, pretty: false });
    log.info(
      { credentials: { clientId: "c", clientSecret: "hunter2" }, headers: { authorization: "Bearer abc" } },
      "connecting",
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("hunter2");
    expect(lines[0]).not.toContain("Bearer abc");
    expect(JSON.parse(lines[0]).credentials).toEqual({ clientId: "c", clientSecret: "[redacted]" });
  });

  it("scrubs secrets from free text", () => {
    expect(scrubSecrets("postgres://app:pw@db/x")).toBe("postgres://app:***@db/x");
    expect(scrubSecrets("Authorization: Bearer eyJ.abc.def")).toBe("Authorization: Bearer ***");
    expect(scrubSecrets("AuthType=OAuth;Password=hunter2;Url=x")).toBe("AuthType=OAuth;Password=***;Url=x");
  });
});
