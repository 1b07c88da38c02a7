// The SDK's committed types are exactly what openapi-typescript makes of the served document now:
// a change to the API without `npm run generate -w @credit-billing/client` fails here.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { clientTypesSource } from "../../../scripts/client-types";

describe("packages/client/src/schema.d.ts", () => {
  it("matches openapi-typescript's output for the served OpenAPI document (no drift)", async () => {
    const committed = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "schema.d.ts"), "utf8");
    const fresh = await clientTypesSource();
    expect(committed === fresh, "schema.d.ts is stale: run `npm run generate -w @credit-billing/client`").toBe(true);
  }, 60_000);
});
