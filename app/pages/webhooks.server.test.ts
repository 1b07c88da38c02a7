import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { listRecentAudit } from "../auth/audit.server";
import { startWebhookSender } from "../webhooks/index.server";
import { webhookRig, type Receiver } from "../webhooks/test-support";
import { submitCreateEndpoint, submitEndpointForm, webhookEndpointView, webhooksView } from "./webhooks.server";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const admin = { id: 3 };
function form(fields: Record<string, string | string[]>) {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) f.append(k, x);
  return f;
}

function rig() {
  const r = webhookRig(cleanups);
  cleanups.push(() => closeDatabase(r.db));
  const caller = { admin, policy: r.policy };
  const create = async (receiver: Receiver, events: string[] = ["credits.granted"]) => {
    const answer = await submitCreateEndpoint(r.ctx, caller, form({ intent: "create", url: receiver.url, events }));
    if (!("secret" in answer)) throw new Error(`not created: ${JSON.stringify(answer)}`);
    receiver.setSecret(answer.secret.value);
    return answer.secret;
  };
  const act = (id: number, fields: Record<string, string | string[]>) =>
    submitEndpointForm(r.ctx, caller, id, form(fields));
  return { ...r, caller, create, act };
}

describe("the webhooks pages' actions", () => {
  it("refuses an endpoint without a URL or events, or with an unknown event type, beside each field, and writes nothing", async () => {
    const r = rig();
    const empty = await submitCreateEndpoint(r.ctx, r.caller, form({ intent: "create", url: "" }));
    expect(empty).toMatchObject({ status: 400, form: "endpoint" });
    const errors = "result" in empty ? empty.result.error : null;
    expect(Object.keys(errors ?? {}).sort()).toEqual(["events", "url"]);
    const unknown = await submitCreateEndpoint(
      r.ctx,
      r.caller,
      form({ intent: "create", url: "https://example.com/hook", events: ["credits.granted", "payment.failed"] }),
    );
    expect(unknown).toMatchObject({ status: 400 });
    expect(Object.keys(("result" in unknown && unknown.result.error) || {})).toContain("events[1]");
    // The domain's refusal (a credential in the URL) lands beside the URL field.
    const refused = await submitCreateEndpoint(
      r.ctx,
      r.caller,
      form({ intent: "create", url: "https://user:pw@example.com/hook", events: "credits.granted" }),
    );
    expect(refused).toMatchObject({ status: 400, result: { error: { url: [expect.stringContaining("user name")] } } });
    expect(webhooksView(r.ctx).endpoints).toEqual([]);
    expect(listRecentAudit(r.db)).toEqual([]);
  });

  it("shows the signing secret once, when made and when rotated after a review, and never in the pages' views", async () => {
    const r = rig();
    const receiver = await r.receiver();
    const created = await r.create(receiver);
    expect(created.value).toMatch(/^whsec_/);
    const views = () => JSON.stringify([webhooksView(r.ctx), webhookEndpointView(r.ctx, created.endpointId, null)]);
    expect(views()).not.toContain(created.value);

    const review = await r.act(created.endpointId, { intent: "confirm-rotate" });
    expect(review).toMatchObject({ status: 200, rotateConfirm: { id: created.endpointId } });
    expect(listRecentAudit(r.db).map((a) => a.action)).toEqual(["webhook_endpoint.create"]);

    const rotated = await r.act(created.endpointId, { intent: "rotate" });
    const secret = "secret" in rotated ? rotated.secret.value : "";
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(created.value);
    expect(views()).not.toContain(secret);
    expect(listRecentAudit(r.db)[0]).toMatchObject({ actor: "user:3", action: "webhook_endpoint.rotate_secret" });
  });

  it("sends a test event to that endpoint alone, signed, and refuses while it is disabled", async () => {
    const r = rig();
    const tested = await r.receiver();
    const other = await r.receiver();
    const endpoint = await r.create(tested);
    await r.create(other);
    const sender = startWebhookSender(r.ctx, { policy: r.policy, pollMs: 60_000 });
    cleanups.push(() => sender.stop());

    expect(await r.act(endpoint.endpointId, { intent: "test" })).toMatchObject({ status: 303 });
    r.dispatch();
    await sender.drain();
    expect(tested.received.map((x) => [x.payload?.type, x.verifyError])).toEqual([["webhook.test", null]]);
    expect(other.received).toEqual([]);
    expect(webhookEndpointView(r.ctx, endpoint.endpointId, null)?.deliveries).toMatchObject([
      { type: "webhook.test", status: "delivered", attempts: 1, lastStatusCode: 204 },
    ]);

    expect(await r.act(endpoint.endpointId, { intent: "disable" })).toMatchObject({ status: 303 });
    expect(webhooksView(r.ctx).endpoints.find((e) => e.id === endpoint.endpointId)?.enabled).toBe(false);
    const refused = await r.act(endpoint.endpointId, { intent: "test" });
    expect(refused).toMatchObject({ status: 409, result: { error: { "": [expect.stringContaining("disabled")] } } });
    expect(webhookEndpointView(r.ctx, endpoint.endpointId, null)?.deliveries).toHaveLength(1);
    expect(
      listRecentAudit(r.db)
        .map((a) => a.action)
        .slice(0, 2),
    ).toEqual(["webhook_endpoint.update", "webhook_endpoint.test"]);
  });

  it("retries a delivery and saves an edit, each audited; a bad edit changes nothing", async () => {
    const r = rig();
    const receiver = await r.receiver();
    const endpoint = await r.create(receiver);
    await r.act(endpoint.endpointId, { intent: "test" });
    const [delivery] = webhookEndpointView(r.ctx, endpoint.endpointId, null)!.deliveries;
    expect(await r.act(endpoint.endpointId, { intent: "retry", deliveryId: String(delivery.id) })).toMatchObject({
      status: 303,
    });
    // Another endpoint's page (a stale or forged form) cannot retry this delivery.
    const other = await r.create(await r.receiver());
    expect(await r.act(other.endpointId, { intent: "retry", deliveryId: String(delivery.id) })).toMatchObject({
      status: 404,
    });
    const bad = await r.act(endpoint.endpointId, { intent: "update", url: "ftp://x", events: [] });
    expect(bad).toMatchObject({ status: 400, form: "endpoint" });
    expect(webhooksView(r.ctx).endpoints[0]).toMatchObject({ url: receiver.url, events: ["credits.granted"] });
    const saved = await r.act(endpoint.endpointId, {
      intent: "update",
      url: receiver.url,
      description: "billing",
      events: ["balance.low", "credits.granted"],
    });
    expect(saved).toMatchObject({ status: 303 });
    expect(webhooksView(r.ctx).endpoints[0]).toMatchObject({
      description: "billing",
      events: ["credits.granted", "balance.low"],
    });
    expect(listRecentAudit(r.db).map((a) => [a.actor, a.action])).toEqual([
      ["user:3", "webhook_endpoint.update"],
      ["user:3", "webhook_endpoint.create"],
      ["user:3", "webhook_delivery.retry"],
      ["user:3", "webhook_endpoint.test"],
      ["user:3", "webhook_endpoint.create"],
    ]);
  });
});
