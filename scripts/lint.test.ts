import { ESLint } from "eslint";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../test/server-process";

/** The import rules of STYLE.md, as `npm run lint` applies them to a file at `file`. */
async function importErrors(file: string, source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: repoRoot });
  const [result] = await eslint.lintText(source, { filePath: path.join(repoRoot, file) });
  return result.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("import boundaries (npm run lint)", () => {
  it.each([
    ["app/credits/x.server.ts", 'import { handleStripeEvent } from "../billing/webhook.server";\n'],
    ["app/credits/x.server.ts", 'import { getPlan } from "~/plans/plans.server";\n'],
    ["app/plans/x.server.ts", 'import { getStripe } from "../billing/stripe.server";\n'],
    ["app/auth/x.server.ts", 'import { grantCredits } from "~/credits/index.server";\n'],
    ["app/billing/x.server.ts", 'import { loader } from "../routes/credits";\n'],
    ["app/billing/x.server.ts", 'import { getBillingOverview } from "../pages/billing-overview.server";\n'],
    ["app/credits/x.server.ts", 'import { adminGrant } from "~/pages/admin-credits.server";\n'],
    ["app/utils/x.ts", 'import { deduct } from "../credits/deduct.server";\n'],
    ["db/x.ts", 'import { hashPassword } from "../app/auth/password.server";\n'],
    ["app/billing/x.server.ts", 'import { creditGrants } from "../../db/schema";\n'],
    ["app/billing/events/x.server.ts", 'import { creditLedger, users } from "../../../db/schema";\n'],
    ["app/plans/x.server.ts", 'import { userSubscriptions, subscriptionPlans } from "../../db/schema";\n'],
    ["app/plans/x.server.ts", 'import { topupPurchases } from "../../db/schema";\n'],
  ])("refuses a wrong-way import in %s", async (file, source) => {
    expect(await importErrors(file, source)).toHaveLength(1);
  });

  it.each([
    ["app/billing/x.server.ts", 'import { grantCredits } from "../credits/index.server";\n'],
    ["app/routes/x.tsx", 'import { handleStripeEvent } from "~/billing/webhook.server";\n'],
    ["app/credits/x.server.ts", 'import { systemClock } from "../utils/clock";\n'],
    ["app/billing/x.server.ts", 'import { topupPurchases, type GrantType } from "../../db/schema";\n'],
    ["app/plans/x.server.ts", 'import { subscriptionPlans, topupPlans, type PlanInterval } from "../../db/schema";\n'],
  ])("allows a right-way import in %s", async (file, source) => {
    expect(await importErrors(file, source)).toEqual([]);
  });
});
