import { afterEach, describe, expect, it } from "vitest";
import { startBillingHarness, type BillingHarness } from "../billing/test-support";
import { runCli } from "./main";

let h: BillingHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** runCli closes the database it is given, so each call gets its own connection to the same file. */
async function cli(b: BillingHarness, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const { openDatabase } = await import("../../db/client");
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) }, () => ({
    ...b.context,
    db: openDatabase(b.ctx.path),
  }));
  return { code, out: out.join(""), err: err.join("") };
}

describe("stripe-events CLI", () => {
  it("lists held events and replays one once its plan exists", async () => {
    const b = (h = await startBillingHarness());
    const user = b.newUser();
    const price = await b.stripe.prices.create({ currency: "usd", unit_amount: 300, product_data: { name: "Mystery" } });
    const session = await b.stripe.checkout.sessions.create({
      mode: "payment",
      metadata: { userId: String(user) },
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://localhost/billing/success",
    });
    const from = b.mark();
    await b.offline.trigger.payCheckout(session.id);
    const event = b.eventsSince(from, ["checkout.session.completed"])[0];
    await b.deliver(event);

    const listed = await cli(b, ["stripe-events", "list"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out.trim())).toMatchObject({ id: event.id, status: "held" });

    const { createPlan } = await import("../billing/plan-sync.server");
    await createPlan(
      { ...b.context, stripe: b.stripe },
      { kind: "topup", input: { internalId: "mystery", publicName: "Mystery", credits: 300, stripePriceId: price.id } },
      "test",
    );
    const replayed = await cli(b, ["stripe-events", "replay", "--id", event.id]);
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.out)).toMatchObject({ event: { id: event.id, status: "processed" } });
    expect(b.balance(user)).toBe(300);
    expect((await cli(b, ["stripe-events", "list"])).out).toBe("");
  });

  it("fails clearly without --id or for an unknown event", async () => {
    const b = (h = await startBillingHarness());
    expect(await cli(b, ["stripe-events", "replay"])).toMatchObject({ code: 1, err: expect.stringContaining("--id") });
    expect(await cli(b, ["stripe-events", "replay", "--id", "evt_nope"])).toMatchObject({
      code: 1,
      err: expect.stringContaining("not_found"),
    });
  });
});
