/**
 * The Stripe webhook route and the held-event replay route, called the way Remix calls them (a
 * real Request and the app context) on a real SQLite file, with the offline Stripe behind the SDK.
 */
import type { ActionFunctionArgs } from "@remix-run/node";
import type Stripe from "stripe";
import { afterEach, describe, expect, it } from "vitest";
import { createApiKey } from "../../auth/api-keys.server";
import { commitSessionCookie, createSession } from "../../auth/session.server";
import { createUser } from "../../auth/users.server";
import { startTopupCheckout } from "../../billing/checkout.server";
import { startBillingHarness, type BillingHarness } from "../../../test/billing/harness";
import { getStripeEvent } from "../../billing/webhook.server";
import * as replayRoute from "../api.admin.stripe-events.$eventId.replay";
import * as webhookRoute from "../api.webhooks.stripe";

let h: BillingHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup() {
  h = await startBillingHarness();
  const b = h;
  const user = b.newUser();
  const from = b.mark();
  const checkout = await startTopupCheckout(
    { db: b.context.db, clock: b.context.clock, appUrl: b.context.env.appUrl },
    b.stripe,
    { userId: user, planId: b.plans.pack.id },
  );
  await b.offline.trigger.payCheckout(checkout.sessionId);
  const completed = b.eventsSince(from, ["checkout.session.completed"])[0];
  return { b, user, completed };
}

function webhookRequest(b: BillingHarness, event: Stripe.Event, signature?: string | null): Request {
  const payload = JSON.stringify(event, null, 2);
  const sig =
    signature === undefined
      ? b.stripe.webhooks.generateTestHeaderString({
          payload,
          secret: b.context.env.STRIPE_WEBHOOK_SECRET!,
          timestamp: Math.floor(b.context.clock.now().getTime() / 1000),
        })
      : signature;
  const headers = new Headers({ "content-type": "application/json" });
  if (sig !== null) headers.set("stripe-signature", sig);
  return new Request("http://localhost/api/webhooks/stripe", { method: "POST", headers, body: payload });
}

async function postWebhook(b: BillingHarness, request: Request) {
  const res = await webhookRoute.action({ request, context: b.context, params: {} } as unknown as ActionFunctionArgs);
  return { status: res.status, body: await res.json() };
}

async function replay(b: BillingHarness, eventId: string, headers: Record<string, string> = {}) {
  const request = new Request(`http://localhost/api/admin/stripe-events/${eventId}/replay`, {
    method: "POST",
    headers,
  });
  const res = await replayRoute.action({
    request,
    context: b.context,
    params: { eventId },
  } as unknown as ActionFunctionArgs);
  return { status: res.status, body: await res.json() };
}

describe("POST /api/webhooks/stripe", () => {
  it("grants once when the same event arrives 5 times in a row", async () => {
    const { b, user, completed } = await setup();
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await postWebhook(b, webhookRequest(b, completed));
      expect(answer.status).toBe(200);
      statuses.push(answer.body.status);
    }
    expect(statuses).toEqual(["processed", "duplicate", "duplicate", "duplicate", "duplicate"]);
    expect(b.balance(user)).toBe(1000);
    expect(b.counts()).toMatchObject({ topupPurchases: 1, creditGrants: 1, stripeEvents: 1 });
  });

  it("grants once when the same event arrives 10 times at once", async () => {
    const { b, user, completed } = await setup();
    const answers = await Promise.all(Array.from({ length: 10 }, () => postWebhook(b, webhookRequest(b, completed))));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.filter((a) => a.body.status === "processed")).toHaveLength(1);
    expect(answers.filter((a) => a.body.status === "duplicate")).toHaveLength(9);
    expect(b.balance(user)).toBe(1000);
    expect(b.counts()).toMatchObject({ topupPurchases: 1, creditGrants: 1, stripeEvents: 1 });
    expect(getStripeEvent(b.context.db, completed.id)).toMatchObject({ status: "processed", attempts: 1 });
  });

  it("answers 400 without a signature, with a bad one or with an unreadable body, and writes nothing", async () => {
    const { b, completed } = await setup();
    const before = b.counts();
    expect((await postWebhook(b, webhookRequest(b, completed, null))).status).toBe(400);
    expect((await postWebhook(b, webhookRequest(b, completed, "t=1,v1=deadbeef"))).status).toBe(400);
    const answer = await postWebhook(b, webhookRequest(b, completed, "garbage"));
    expect(answer).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    expect(b.counts()).toEqual(before);
  });

  it("answers 405 to other methods", async () => {
    const { b } = await setup();
    const request = new Request("http://localhost/api/webhooks/stripe", { method: "PUT", body: "{}" });
    const res = await webhookRoute.action({ request, context: b.context, params: {} } as unknown as ActionFunctionArgs);
    expect(res.status).toBe(405);
  });
});

describe("POST /api/admin/stripe-events/:eventId/replay", () => {
  it("re-processes a stored event for an admin key and answers {event: {id, status}}; a processed event grants nothing more", async () => {
    const { b, user, completed } = await setup();
    const key = createApiKey(b.context, { name: "admin", scope: "admin" }).key;
    // Already processed: a replay must not apply it again.
    await postWebhook(b, webhookRequest(b, completed));
    const first = await replay(b, completed.id, { authorization: `Bearer ${key}` });
    expect(first.status).toBe(200);
    expect(first.body.event).toEqual({ id: completed.id, status: "processed" });
    expect(first.body.outcome).toBe("duplicate");
    expect(b.balance(user)).toBe(1000);
    const audit = b.context.db.$client
      .prepare("select action, subject from audit_log where action = 'stripe_event.replay'")
      .all();
    expect(audit).toEqual([{ action: "stripe_event.replay", subject: `stripe_event:${completed.id}` }]);
  });

  it("works for an admin's browser session", async () => {
    const { b, completed } = await setup();
    await postWebhook(b, webhookRequest(b, completed));
    const admin = createUser(b.context, { email: "root@example.com", role: "admin" });
    const session = createSession(b.context, { userId: admin.id });
    const cookie = (await commitSessionCookie(b.context.env, session)).split(";")[0];
    const answer = await replay(b, completed.id, { cookie });
    expect(answer).toMatchObject({ status: 200, body: { event: { id: completed.id, status: "processed" } } });
  });

  it("answers 404 for an unknown event, 401 without credentials and 403 for a usage key", async () => {
    const { b, completed } = await setup();
    const admin = createApiKey(b.context, { name: "admin", scope: "admin" }).key;
    const usage = createApiKey(b.context, { name: "usage", scope: "usage" }).key;
    expect(await replay(b, "evt_unknown", { authorization: `Bearer ${admin}` })).toMatchObject({
      status: 404,
      body: { error: { code: "not_found" } },
    });
    expect((await replay(b, completed.id)).status).toBe(401);
    expect((await replay(b, completed.id, { authorization: `Bearer ${usage}` })).status).toBe(403);
  });
});
