import { describe, expect, it } from "vitest";
import { subscriptionPlans, userSubscriptions } from "../../../db/schema";
import { useTestContexts } from "../../../test/contexts";
import * as editPage from "../admin.plans_.$kind.$id";
import * as listPage from "../admin.plans";
import { adminSetup, call, type Handler } from "./admin-harness";

// Plans' destructive actions ask first, the "create version N" link names the version that will
// really be made, and the list shows live subscribers per plan and version.

const newContext = useTestContexts();

async function setup() {
  const s = await adminSetup(newContext({ SESSION_SECRET: "unit-test-session-secret" }));
  const now = s.ctx.clock.now();
  const plan = (version: number) =>
    s.ctx.db
      .insert(subscriptionPlans)
      .values({
        internalId: `starter-v${version}`,
        planFamily: "starter",
        version,
        publicName: `Starter ${version}`,
        credits: 100,
        priceCents: 1000,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
  const v1 = plan(1);
  const v2 = plan(2);
  plan(3);
  s.ctx.db
    .insert(userSubscriptions)
    .values({
      userId: s.customer.id,
      planId: v1.id,
      stripeSubscriptionId: "sub_1",
      status: "active",
      createdAt: now,
      updatedAt: now,
    })
    .run();
  return { ...s, v1, v2 };
}

describe("plan pages", () => {
  it("offers to create the family's next version, not this plan's version + 1", async () => {
    const { ctx, adminCookie, v1 } = await setup();
    const res = await call(ctx, editPage.loader, `/admin/plans/subscription/${v1.id}`, {
      params: { kind: "subscription", id: String(v1.id) },
      cookie: adminCookie,
    });
    expect(res.data).toMatchObject({ nextVersion: 4, subscribers: 1 });
  });

  it("shows live subscribers per plan and version", async () => {
    const { ctx, adminCookie } = await setup();
    const res = await call(ctx, listPage.loader, "/admin/plans", { cookie: adminCookie });
    const rows = res.data.subscriptionPlans.map((p: { version: number; subscribers: number }) => [
      p.version,
      p.subscribers,
    ]);
    expect(rows.sort()).toEqual([
      [1, 1],
      [2, 0],
      [3, 0],
    ]);
  });

  it("asks before marking a plan legacy, and before deleting or archiving one", async () => {
    const { ctx, adminCookie, v1, v2, customerCookie } = await setup();
    const legacy = await call(ctx, listPage.action as Handler, "/admin/plans", {
      cookie: adminCookie,
      form: { intent: "confirm-legacy", kind: "subscription", id: String(v2.id), isLegacy: "true" },
    });
    expect(legacy.data.confirmLegacy).toEqual({
      kind: "subscription",
      id: v2.id,
      isLegacy: true,
      publicName: "Starter 2",
    });
    const del = await call(ctx, editPage.action as Handler, `/admin/plans/subscription/${v1.id}`, {
      params: { kind: "subscription", id: String(v1.id) },
      cookie: adminCookie,
      form: { intent: "confirm-delete" },
    });
    expect(del.data).toMatchObject({ confirmDelete: true });
    const rows = ctx.db.select().from(subscriptionPlans).all();
    expect(rows.map((p) => [p.isLegacy, p.archivedAt])).toEqual([
      [false, null],
      [false, null],
      [false, null],
    ]);
    // The confirmation steps are admin-only too.
    const refused = await call(ctx, listPage.action as Handler, "/admin/plans", {
      cookie: customerCookie,
      form: { intent: "confirm-legacy", kind: "subscription", id: String(v2.id), isLegacy: "true" },
    });
    expect(refused.status).toBe(403);
  });
});
