import { ESLint } from "eslint";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../test/server-process";

async function importErrors(file: string, source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: repoRoot });
  const [result] = await eslint.lintText(source, { filePath: path.join(repoRoot, file) });
  return result.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("the offline Stripe is used through its one entry (npm run lint)", () => {
  it.each([
    ["app/server/x.ts", 'import { Store } from "../../packages/offline-stripe/src/store";\n'],
    ["app/billing/x.server.ts", 'import { Engine } from "@credit-billing/offline-stripe/src/engine";\n'],
    ["app/billing/x.test.ts", 'import { Engine } from "../../packages/offline-stripe/src/engine";\n'],
    ["e2e/x.ts", 'import { Store } from "../packages/offline-stripe/src/store";\n'],
    ["test/x.ts", 'import { Store } from "../packages/offline-stripe/src/store";\n'],
    ["packages/offline-stripe/src/x.ts", 'import { formatMoney } from "../../../app/utils/format";\n'],
    ["packages/offline-stripe/src/x.ts", 'import { systemClock } from "~/utils/clock";\n'],
  ])("refuses a deep or wrong-way import in %s", async (file, source) => {
    expect(await importErrors(file, source)).toHaveLength(1);
  });

  it.each([
    ["app/server/x.ts", 'import { startOfflineStripe } from "@credit-billing/offline-stripe";\n'],
    ["app/billing/x.server.ts", 'import { newWebhookSecret } from "@credit-billing/offline-stripe";\n'],
    ["packages/offline-stripe/src/x.ts", 'import { Store } from "./store";\n'],
  ])("allows the entry in %s", async (file, source) => {
    expect(await importErrors(file, source)).toEqual([]);
  });
});
