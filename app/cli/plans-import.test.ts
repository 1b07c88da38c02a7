import { describe, expect, it } from "vitest";
import { runCliForTest } from "../../test/cli";
import { useBillingHarness, type BillingHarness } from "../../test/billing/harness";

const harness = useBillingHarness();
const cli = (b: BillingHarness, argv: string[]) => runCliForTest(b.context, argv);
const planCount = (b: BillingHarness) =>
  b.context.db.$client
    .prepare("select (select count(*) from subscription_plans) + (select count(*) from topup_plans) as n")
    .get() as { n: number };

/** Three prices as an existing Stripe account might have them: complete, partial and without credits. */
async function legacyPrices(b: BillingHarness) {
  const product = await b.stripe.products.create({ name: "Legacy Pro" });
  const pro = await b.stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: 4900,
    recurring: { interval: "month" },
    metadata: {
      credits: "5000",
      planFamily: "legacy-pro",
      version: "3",
      internalId: "legacy-pro-v3",
      publicName: "Pro (2024)",
    },
  });
  const pack = await b.stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: 900,
    metadata: { credits: "800" },
  });
  const bare = await b.stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: 100,
    recurring: { interval: "month" },
  });
  return { pro, pack, bare };
}

describe("npm run credits -- plans import-from-stripe", () => {
  it("--dry-run lists what it would create and every price lacking metadata, and writes nothing", async () => {
    const b = await harness();
    const { pro, pack, bare } = await legacyPrices(b);
    const before = planCount(b);
    const r = await cli(b, ["plans", "import-from-stripe", "--dry-run"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ dryRun: true, created: 2, skipped: 1 });
    const line = (id: string) => report.lines.find((l: { priceId: string }) => l.priceId === id);
    expect(line(pro.id)).toMatchObject({ outcome: "would_create", kind: "subscription", missing: [] });
    expect(line(pack.id)).toMatchObject({
      outcome: "would_create",
      kind: "topup",
      missing: ["internalId", "publicName"],
    });
    expect(line(bare.id)).toMatchObject({
      outcome: "skipped",
      missing: ["credits", "planFamily", "version", "internalId", "publicName"],
    });
    expect(r.stderr).toContain(`${bare.id}: not imported`);
    expect(r.stderr).toContain(`${pack.id}: lacks metadata internalId, publicName`);
    expect(planCount(b)).toEqual(before);
  });

  it("creates the plans the metadata describes, audited, and a re-run creates nothing twice", async () => {
    const b = await harness();
    const { pro, pack } = await legacyPrices(b);
    const before = planCount(b).n;
    const r = await cli(b, ["plans", "import-from-stripe"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: false, created: 2, skipped: 1 });
    expect(planCount(b).n).toBe(before + 2);
    const sub = b.context.db.$client
      .prepare(
        "select plan_family, version, internal_id, public_name, credits, price_cents from subscription_plans where stripe_price_id = ?",
      )
      .get(pro.id);
    expect(sub).toEqual({
      plan_family: "legacy-pro",
      version: 3,
      internal_id: "legacy-pro-v3",
      public_name: "Pro (2024)",
      credits: 5000,
      price_cents: 4900,
    });
    const topup = b.context.db.$client
      .prepare("select credits, price_cents from topup_plans where stripe_price_id = ?")
      .get(pack.id);
    expect(topup).toEqual({ credits: 800, price_cents: 900 });
    expect(
      b.context.db.$client
        .prepare("select count(*) as n from audit_log where action = 'plans.import_from_stripe'")
        .get(),
    ).toEqual({ n: 1 });

    const again = JSON.parse((await cli(b, ["plans", "import-from-stripe"])).stdout);
    expect(again).toMatchObject({ created: 0, skipped: 1 });
    expect(again.existing).toBeGreaterThanOrEqual(2);
    expect(planCount(b).n).toBe(before + 2);
  });
});
