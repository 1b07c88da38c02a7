/**
 * The billing page, the success page and the admin's Stripe events page, called like Remix calls
 * their loaders and actions (real Request, session cookie, app context) on a real SQLite file.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { afterEach, describe, expect, it } from "vitest";
import { commitSessionCookie, createSession } from "../../auth/session.server";
import { createUser } from "../../auth/users.server";
import { startBillingHarness, type BillingHarness } from "../../../test/billing/harness";
import * as adminEvents from "../admin.events";
import * as billing from "../billing._index";
import * as success from "../billing.success";

let h: BillingHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function cookieFor(b: BillingHarness, userId: number): Promise<string> {
  const session = createSession(b.context, { userId });
  return (await commitSessionCookie(b.context.env, session)).split(";")[0];
}

function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams(fields);
}

async function run<T>(fn: () => Promise<T>): Promise<T | Response> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Response) return e;
    throw e;
  }
}

function args(b: BillingHarness, url: string, init: RequestInit & { cookie?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  const request = new Request(`http://localhost${url}`, { ...init, headers });
  return { request, context: b.context, params: {} } as unknown as LoaderFunctionArgs & ActionFunctionArgs;
}

describe("/billing", () => {
  it("sends anonymous visitors to the login page", async () => {
    h = await startBillingHarness();
    const res = (await run(() => billing.loader(args(h!, "/billing")))) as Response;
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?redirectTo=%2Fbilling");
  });

  it("shows the balance and only the plans on sale", async () => {
    const b = (h = await startBillingHarness());
    const { editPlan } = await import("../../billing/plan-sync.server");
    await editPlan({ ...b.context, stripe: b.stripe }, "subscription", b.plans.pro.id, { isLegacy: true }, "test");
    const user = b.newUser();
    const { data } = await billing.loader(args(b, "/billing", { cookie: await cookieFor(b, user) }));
    expect(data.balance.balance).toBe(0);
    expect(data.subscription).toBeNull();
    expect(data.offeredSubscriptionPlans.map((p) => p.publicName)).toEqual(["Starter"]);
    expect(data.offeredTopupPlans.map((p) => p.publicName)).toEqual(["1,000 credits"]);
  });

  it("starts a top-up checkout with a full-page redirect to the checkout page", async () => {
    const b = (h = await startBillingHarness());
    const user = b.newUser();
    const res = (await billing.action(
      args(b, "/billing?index", {
        method: "POST",
        cookie: await cookieFor(b, user),
        body: form({ intent: "topup", planId: String(b.plans.pack.id), quantity: "2" }),
      }),
    )) as Response;
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/\/checkout\/cs_/);
    expect(res.headers.get("x-remix-reload-document")).toBe("true");
  });

  it("answers a bad quantity with a field error and an unknown intent with 400", async () => {
    const b = (h = await startBillingHarness());
    const cookie = await cookieFor(b, b.newUser());
    const bad = await billing.action(
      args(b, "/billing?index", {
        method: "POST",
        cookie,
        body: form({ intent: "topup", planId: String(b.plans.pack.id), quantity: "99" }),
      }),
    );
    expect(bad).toMatchObject({ init: { status: 400 }, data: { ok: false, field: "quantity" } });
    const unknown = await billing.action(
      args(b, "/billing?index", { method: "POST", cookie, body: form({ intent: "steal" }) }),
    );
    expect(unknown).toMatchObject({ init: { status: 400 }, data: { ok: false } });
    const noSubscription = await billing.action(
      args(b, "/billing?index", { method: "POST", cookie, body: form({ intent: "cancel" }) }),
    );
    expect(noSubscription).toMatchObject({
      init: { status: 409 },
      data: { ok: false, message: "You have no active subscription." },
    });
  });
});

describe("/billing/success", () => {
  it("asks the browser to refresh while the credits are on their way", async () => {
    const b = (h = await startBillingHarness());
    const user = b.newUser();
    const { startTopupCheckout } = await import("../../billing/checkout.server");
    const checkout = await startTopupCheckout(
      { db: b.context.db, clock: b.context.clock, appUrl: b.context.env.appUrl },
      b.stripe,
      { userId: user, planId: b.plans.pack.id },
    );
    await b.offline.trigger.payCheckout(checkout.sessionId);
    const data = await success.loader(
      args(b, `/billing/success?session_id=${checkout.sessionId}`, { cookie: await cookieFor(b, user) }),
    );
    expect(data.status).toEqual({ state: "pending", kind: "topup" });
    const meta = success.meta({ data } as Parameters<typeof success.meta>[0]);
    expect(meta).toContainEqual({ httpEquiv: "refresh", content: "2" });

    const other = await run(() =>
      success.loader(args(b, `/billing/success?session_id=${checkout.sessionId}`, { cookie: "session=forged" })),
    );
    expect((other as Response).status).toBe(302);
  });
});

describe("/admin/events", () => {
  async function heldEvent(b: BillingHarness) {
    const user = b.newUser();
    const price = await b.stripe.prices.create({
      currency: "usd",
      unit_amount: 300,
      product_data: { name: "Mystery" },
    });
    const session = await b.stripe.checkout.sessions.create({
      mode: "payment",
      client_reference_id: String(user),
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://localhost/billing/success",
    });
    const from = b.mark();
    await b.offline.trigger.payCheckout(session.id);
    const event = b.eventsSince(from, ["checkout.session.completed"])[0];
    expect((await b.deliver(event)).body.status).toBe("held");
    return { event, price, user };
  }

  it("is for admins only, in the loader and in the action", async () => {
    const b = (h = await startBillingHarness());
    const cookie = await cookieFor(b, b.newUser());
    const loaded = (await run(() => adminEvents.loader(args(b, "/admin/events", { cookie })))) as Response;
    expect(loaded.status).toBe(403);
    const acted = (await run(() =>
      adminEvents.action(
        args(b, "/admin/events", { method: "POST", cookie, body: form({ intent: "replay", eventId: "evt_x" }) }),
      ),
    )) as Response;
    expect(acted.status).toBe(403);
  });

  it("lists held events with their reason and replays one once the plan exists", async () => {
    const b = (h = await startBillingHarness());
    const { event, price, user } = await heldEvent(b);
    const admin = createUser(b.context, { email: "ops@example.com", role: "admin" });
    const cookie = await cookieFor(b, admin.id);

    const data = await adminEvents.loader(args(b, "/admin/events", { cookie }));
    const row = data.events.find((e) => e.id === event.id)!;
    expect(row).toMatchObject({ status: "held", type: "checkout.session.completed" });
    expect(row.error).toMatch(/credits metadata/);

    const { createPlan } = await import("../../billing/plan-sync.server");
    await createPlan(
      { ...b.context, stripe: b.stripe },
      { kind: "topup", input: { internalId: "mystery", publicName: "Mystery", credits: 250, stripePriceId: price.id } },
      "test",
    );
    const result = await adminEvents.action(
      args(b, "/admin/events", { method: "POST", cookie, body: form({ intent: "replay", eventId: event.id }) }),
    );
    expect(result).toMatchObject({ ok: true });
    expect(b.balance(user)).toBe(250);
    const after = await adminEvents.loader(args(b, "/admin/events", { cookie }));
    expect(after.events.find((e) => e.id === event.id)).toBeUndefined();
  });
});
