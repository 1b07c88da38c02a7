import { count } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog } from "../../db/schema";
import type { StripeContext } from "../billing/context.server";
import { getFeature, listFeatures, listPlanFeatures } from "../features/index.server";
import { getPlan } from "../plans/index.server";
import { subscribeNewUser, subscriptionPlanFixture, useAdminFixture } from "../../test/plans";
import { planFeatureAction } from "./plan-features.server";
import { createFeatureAction, featurePageAction } from "./price-book.server";

const f = useAdminFixture();
const ACTOR = "user:1";
const billing = () => (f.ctx as unknown as { billing: StripeContext }).billing;
const audits = () => f.ctx.db.select({ n: count() }).from(auditLog).get()!.n;

function form(values: Record<string, string | undefined>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(values)) if (v !== undefined) fd.set(k, v);
  return fd;
}

let seq = 0;
function newFeature(key = `f${++seq}`) {
  const r = createFeatureAction(
    f.ctx,
    form({ intent: "create", key, name: "Images", unitName: "image", credits: "3", perUnits: "1" }),
    ACTOR,
  );
  expect(r.kind).toBe("done");
  return getFeature(f.ctx, key)!;
}

describe("the price book's page actions", () => {
  it.each([
    [{ credits: "-1" }, "credits", "at least 0"],
    [{ credits: "1.5" }, "credits", "whole number"],
    [{ perUnits: "0" }, "perUnits", "at least 1"],
    [{ perUnits: "" }, "perUnits", "Enter"],
    [{ key: "Bad Key" }, "key", "a–z"],
    [{ name: " " }, "name", "Enter a name"],
  ])("refuses a feature with %j beside the field and writes nothing", (bad, field, message) => {
    const before = [listFeatures(f.ctx).length, audits()];
    const values = { intent: "create", key: "ok", name: "Ok", unitName: "unit", credits: "1", perUnits: "1", ...bad };
    const r = createFeatureAction(f.ctx, form(values), ACTOR);
    expect(r.kind).toBe("reply");
    if (r.kind !== "reply") return;
    expect(r.status).toBe(400);
    expect(r.result.error?.[field]?.join(" ")).toContain(message);
    expect([listFeatures(f.ctx).length, audits()]).toEqual(before);
  });

  it("creates a feature (audited) and answers a taken key beside the key field", () => {
    const before = audits();
    const feature = newFeature("tokens-a");
    expect(feature.price).toMatchObject({ version: 1, credits: 3, perUnits: 1 });
    expect(audits()).toBe(before + 1);
    const again = createFeatureAction(
      f.ctx,
      form({ intent: "create", key: "tokens-a", name: "X", unitName: "x", credits: "1", perUnits: "1" }),
      ACTOR,
    );
    expect(again).toMatchObject({ kind: "reply", status: 409 });
    if (again.kind === "reply") expect(again.result.error?.key?.[0]).toContain("already exists");
  });

  it("reviews a new price without writing it, then adds it on the confirming POST", () => {
    const feature = newFeature();
    const before = audits();
    const review = featurePageAction(
      f.ctx,
      feature,
      form({ intent: "review-price", credits: "1", perUnits: "1000" }),
      ACTOR,
    );
    expect(review).toMatchObject({
      kind: "reply",
      status: 200,
      review: { credits: 1, perUnits: 1000, effectiveOn: null },
    });
    expect(getFeature(f.ctx, feature.key)!.prices).toHaveLength(1);
    expect(audits()).toBe(before);
    const done = featurePageAction(
      f.ctx,
      feature,
      form({ intent: "add-price", credits: "1", perUnits: "1000" }),
      ACTOR,
    );
    expect(done.kind).toBe("done");
    expect(getFeature(f.ctx, feature.key)!.price).toMatchObject({ version: 2, credits: 1, perUnits: 1000 });
    expect(audits()).toBe(before + 1);
  });

  it("refuses a price with a bad amount or a past day, writing nothing", () => {
    const feature = newFeature();
    for (const values of [
      { credits: "-2", perUnits: "1" },
      { credits: "2", perUnits: "0" },
      { credits: "2", perUnits: "1", effectiveOn: "2000-01-01" },
      { credits: "2", perUnits: "1", effectiveOn: "soon" },
    ]) {
      const r = featurePageAction(f.ctx, feature, form({ intent: "add-price", ...values }), ACTOR);
      expect(r, JSON.stringify(values)).toMatchObject({ kind: "reply", status: 400 });
    }
    expect(getFeature(f.ctx, feature.key)!.prices).toHaveLength(1);
  });

  it("archives and renames a feature; an unticked box unarchives it", () => {
    const feature = newFeature();
    featurePageAction(
      f.ctx,
      feature,
      form({ intent: "update", name: "Pictures", unitName: "picture", archived: "on" }),
      ACTOR,
    );
    expect(getFeature(f.ctx, feature.key)).toMatchObject({ name: "Pictures", archived: true });
    featurePageAction(f.ctx, feature, form({ intent: "update", name: "Pictures", unitName: "picture" }), ACTOR);
    expect(getFeature(f.ctx, feature.key)!.archived).toBe(false);
  });
});

describe("a plan's feature terms on the plan editor", () => {
  const terms = (feature: string, extra: Record<string, string> = {}) =>
    form({
      intent: "save-feature",
      feature,
      enabled: "on",
      credits: "2",
      perUnits: "1",
      includedUnits: "100",
      ...extra,
    });

  it("refuses bad terms beside their fields and writes nothing", async () => {
    const feature = newFeature();
    const plan = subscriptionPlanFixture(f.ctx, { planFamily: "bad-terms" });
    for (const [extra, field] of [
      [{ perUnits: "0" }, "perUnits"],
      [{ credits: "-1" }, "credits"],
      [{ perUnits: "" }, "perUnits"],
      [{ includedUnits: "-5" }, "includedUnits"],
      [{ includedUnits: "2.5" }, "includedUnits"],
    ] as const) {
      const before = audits();
      const r = await planFeatureAction(billing(), plan.id, terms(feature.key, extra), ACTOR);
      expect(r.kind).toBe("reply");
      if (r.kind === "reply") expect(Object.keys(r.result.error ?? {}), JSON.stringify(extra)).toContain(field);
      expect(audits()).toBe(before);
    }
    expect(listPlanFeatures(f.ctx, plan.id)).toEqual([]);
  });

  it("reviews first, then changes a plan nobody is on in place", async () => {
    const feature = newFeature();
    const plan = subscriptionPlanFixture(f.ctx, { planFamily: "in-place" });
    const review = await planFeatureAction(billing(), plan.id, terms(feature.key, { intent: "review-feature" }), ACTOR);
    expect(review).toMatchObject({ kind: "reply", review: { changes: true, newVersion: false } });
    expect(listPlanFeatures(f.ctx, plan.id)).toEqual([]);
    const r = await planFeatureAction(billing(), plan.id, terms(feature.key), ACTOR);
    expect(r).toMatchObject({ kind: "done", to: `/admin/plans/subscription/${plan.id}` });
    expect(listPlanFeatures(f.ctx, plan.id)).toMatchObject([
      { feature: feature.key, enabled: true, price: { credits: 2, perUnits: 1 }, includedUnits: 100 },
    ]);
  });

  it("makes a new plan version when the plan has subscribers, keeping theirs as it was", async () => {
    const feature = newFeature();
    const plan = subscriptionPlanFixture(f.ctx, { planFamily: "versioned" });
    subscribeNewUser(f.ctx, { email: "sub@example.com", planId: plan.id, stripeSubscriptionId: "sub_versioned" });
    const review = await planFeatureAction(billing(), plan.id, terms(feature.key, { intent: "review-feature" }), ACTOR);
    expect(review).toMatchObject({ kind: "reply", review: { newVersion: true } });
    const r = await planFeatureAction(billing(), plan.id, terms(feature.key), ACTOR);
    expect(r.kind).toBe("done");
    const nextId = Number(r.kind === "done" ? r.to.split("/").pop() : NaN);
    expect(nextId).not.toBe(plan.id);
    const next = getPlan(f.ctx.db, "subscription", nextId)!;
    expect(next.kind === "subscription" && next.plan).toMatchObject({
      planFamily: "versioned",
      version: plan.version + 1,
    });
    expect(listPlanFeatures(f.ctx, nextId)).toMatchObject([{ feature: feature.key, includedUnits: 100 }]);
    expect(listPlanFeatures(f.ctx, plan.id)).toEqual([]);
    expect(getPlan(f.ctx.db, "subscription", plan.id)!.plan.isLegacy).toBe(true);
  });
});
