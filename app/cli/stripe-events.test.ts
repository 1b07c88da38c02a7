import { describe, expect, it } from "vitest";
import { runCliForTest } from "../../test/cli";
import { payUnknownPrice, useBillingHarness, type BillingHarness } from "../../test/billing/harness";

const harness = useBillingHarness();

// The harness's context, so the CLI talks to the same offline Stripe.
const cli = (b: BillingHarness, argv: string[]) => runCliForTest(b.context, argv);

describe("stripe-events CLI", () => {
  it("lists held events and replays one once its plan exists", async () => {
    const b = await harness();
    const user = b.newUser();
    const { priceId, completed: event } = await payUnknownPrice(b, user, 300);
    await b.deliver(event);

    const listed = await cli(b, ["stripe-events", "list"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout.trim())).toMatchObject({ id: event.id, status: "held" });

    await b.createPlan({
      kind: "topup",
      input: { internalId: "mystery", publicName: "Mystery", credits: 300, stripePriceId: priceId },
    });
    const replayed = await cli(b, ["stripe-events", "replay", "--id", event.id]);
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout)).toMatchObject({ event: { id: event.id, status: "processed" } });
    expect(b.balance(user)).toBe(300);
    expect((await cli(b, ["stripe-events", "list"])).stdout).toBe("");
  });

  it("fails clearly without --id or for an unknown event", async () => {
    const b = await harness();
    expect(await cli(b, ["stripe-events", "replay"])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("--id"),
    });
    expect(await cli(b, ["stripe-events", "replay", "--id", "evt_nope"])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("not_found"),
    });
  });
});
