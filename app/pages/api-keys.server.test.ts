import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { authenticateApiKey, listApiKeys } from "../auth/api-keys.server";
import { listRecentAudit } from "../auth/audit.server";
import { apiKeysView, submitApiKeysForm } from "./api-keys.server";

let ctx: ReturnType<typeof testContext>;
afterEach(() => closeDatabase(ctx.db));

const admin = { id: 7 };
const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};

function createKey(fields: Record<string, string> = {}) {
  const answer = submitApiKeysForm(ctx, admin, form({ intent: "create", name: "worker", scope: "usage", ...fields }));
  if (!("created" in answer)) throw new Error(`not created: ${JSON.stringify(answer)}`);
  return answer.created;
}

describe("the API keys page's actions", () => {
  it("refuses a key without a name, with an unknown scope or a bad rate limit, beside each field, and writes nothing", () => {
    ctx = testContext();
    const answer = submitApiKeysForm(
      ctx,
      admin,
      form({ intent: "create", name: "  ", scope: "root", rateLimitPerSecond: "0.5" }),
    );
    expect(answer).toMatchObject({ status: 400, form: "create" });
    const errors = "result" in answer ? answer.result.error : null;
    expect(Object.keys(errors ?? {}).sort()).toEqual(["name", "rateLimitPerSecond", "scope"]);
    expect(errors?.rateLimitPerSecond?.[0]).toMatch(/whole number of requests per second/);
    const tooFast = submitApiKeysForm(
      ctx,
      admin,
      form({ intent: "create", name: "x", scope: "usage", rateLimitPerSecond: "100001" }),
    );
    expect(tooFast).toMatchObject({ status: 400 });
    expect(listApiKeys(ctx.db)).toEqual([]);
    expect(listRecentAudit(ctx.db)).toEqual([]);
  });

  it("shows a new key once, in the answer that made it: never in the page's list afterwards", () => {
    ctx = testContext();
    const created = createKey({ rateLimitPerSecond: "5" });
    expect(created.key).toMatch(/^cb_usage_/);
    expect(authenticateApiKey(ctx, created.key)?.id).toBe(created.id);
    const view = apiKeysView(ctx);
    expect(view.keys).toMatchObject([{ id: created.id, name: "worker", scope: "usage", rateLimitPerSecond: 5 }]);
    // The list has the prefix to recognise it, never the key (nor anything longer than the prefix).
    expect(JSON.stringify(view)).not.toContain(created.key);
    expect(JSON.stringify(view)).not.toContain(created.key.slice(0, 20));
    expect(listRecentAudit(ctx.db)).toMatchObject([{ actor: "user:7", action: "api_key.create" }]);
  });

  it("revokes only after the review: the review writes nothing, a revoke without the reviewed key is refused", () => {
    ctx = testContext();
    const created = createKey();
    const review = submitApiKeysForm(ctx, admin, form({ intent: "confirm-revoke", id: String(created.id) }));
    expect(review).toMatchObject({ status: 200, revokeConfirm: { id: created.id, name: "worker" } });
    expect(authenticateApiKey(ctx, created.key)).not.toBeNull();

    // A revoke that skipped the review (no prefix), or a stale one, changes nothing.
    for (const prefix of [undefined, "cb_usage_XXXX"]) {
      const fields: Record<string, string> = { intent: "revoke", id: String(created.id) };
      if (prefix) fields.prefix = prefix;
      expect(submitApiKeysForm(ctx, admin, form(fields))).toMatchObject({ status: 409 });
    }
    expect(authenticateApiKey(ctx, created.key)).not.toBeNull();
    expect(listRecentAudit(ctx.db).map((a) => a.action)).toEqual(["api_key.create"]);

    const prefix = "revokeConfirm" in review ? review.revokeConfirm.prefix : "";
    const done = submitApiKeysForm(ctx, admin, form({ intent: "revoke", id: String(created.id), prefix }));
    expect(done).toMatchObject({ status: 303, message: expect.stringContaining("Revoked “worker”") });
    expect(authenticateApiKey(ctx, created.key)).toBeNull();
    expect(listRecentAudit(ctx.db)[0]).toMatchObject({ actor: "user:7", action: "api_key.revoke" });
    // A second review of a revoked key says so instead of offering the step again.
    expect(submitApiKeysForm(ctx, admin, form({ intent: "confirm-revoke", id: String(created.id) }))).toMatchObject({
      status: 409,
    });
  });

  it("answers an unknown key or a forged intent with a form error and no write", () => {
    ctx = testContext();
    expect(submitApiKeysForm(ctx, admin, form({ intent: "confirm-revoke", id: "99" }))).toMatchObject({ status: 404 });
    expect(submitApiKeysForm(ctx, admin, form({ intent: "drop", id: "1" }))).toMatchObject({ status: 400 });
    expect(submitApiKeysForm(ctx, admin, new FormData())).toMatchObject({ status: 400 });
    expect(listRecentAudit(ctx.db)).toEqual([]);
  });
});
