// The Dataverse webhook endpoint in process (Fastify inject): a change stamped with any of the integration's
// application users (one per app registration, extraPrincipals) is the integration's own write and wakes nothing;
// a person's change wakes the mappings of its table.
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { DATAVERSE_WEBHOOK_PATH, triggerRoutes } from "./routes.ts";

const FIRST_APP = "a1b2c3d4-0001-4000-8000-000000000001";
const SECOND_APP = "A1B2C3D4-0001-4000-8000-000000000002";
const PERSON = "5c0e1f2a-3b4c-4d5e-8f60-718293a4b5c6";

describe("the Dataverse webhook endpoint", () => {
  it("wakes nothing for a change by any of the integration's app users, and the table's mappings for a person's", async () => {
    const woken: string[] = [];
    const app = Fastify();
    await app.register(
      triggerRoutes({
        secret: "key",
        bcMappings: () => [],
        dataverseMappings: (table) => (table === "account" ? ["CUSTOMER"] : []),
        dataverseIntegrationUsers: [FIRST_APP, SECOND_APP.toLowerCase()],
        wake: (name) => woken.push(name),
      }),
    );
    const post = (userId: string) =>
      app.inject({
        method: "POST",
        url: `${DATAVERSE_WEBHOOK_PATH}?code=key`,
        payload: { MessageName: "Update", PrimaryEntityName: "account", UserId: userId },
      });
    for (const ours of [FIRST_APP, SECOND_APP]) expect((await post(ours)).statusCode).toBe(200);
    expect(woken).toEqual([]);
    expect((await post(PERSON)).statusCode).toBe(200);
    expect(woken).toEqual(["CUSTOMER"]);
    await app.close();
  });
});
