import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { count, eq } from "drizzle-orm";
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog, subscriptionPlans, topupPlans } from "../../../db/schema";
import type { TestContext } from "../../../test/contexts";
import { subscribeNewUser, useAdminFixture } from "../../../test/plans";
import { getPlan } from "../../plans/index.server";
import * as editPage from "../admin.plans_.$kind.$id";
import * as newPage from "../admin.plans_.new";
import * as listPage from "../admin.plans";

// The admin plan pages: loaders and actions called the way Remix calls them, with real form
// posts (what a browser without JavaScript sends) and real session cookies.

const fixture = useAdminFixture();
let ctx: TestContext;
let stripe: Stripe;
let adminCookie: string;
let customerCookie: string;
let adminId: number;
beforeAll(() => {
  ({ ctx, stripe, adminCookie, customerCookie, adminId } = fixture);
});

type Mod = { loader: (a: LoaderFunctionArgs) => unknown; action: (a: ActionFunctionArgs) => unknown };

/** What a loader/action produced: a Response (redirect, thrown 403/404) or data with a status. */
async function run(
  mod: Mod,
  which: "loader" | "action",
  path: string,
  opts: { cookie?: string | null; form?: Record<string, string>; params?: Record<string, string> } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route answers its own shape; tests read fields by name
): Promise<{ status: number; location: string | null; data: any; setCookie?: string | null }> {
  const headers = new Headers();
  const cookie = opts.cookie === undefined ? adminCookie : opts.cookie;
  if (cookie) headers.set("cookie", cookie);
  let body: FormData | undefined;
  if (opts.form) {
    body = new FormData();
    for (const [k, v] of Object.entries(opts.form)) body.set(k, v);
  }
  const request = new Request(new URL(path, "http://localhost"), {
    method: which === "action" ? "POST" : "GET",
    headers,
    body,
  });
  const args = { request, params: opts.params ?? {}, context: ctx } as unknown as LoaderFunctionArgs;
  let out: unknown;
  try {
    out = await mod[which](args);
  } catch (thrown) {
    out = thrown;
  }
  if (out instanceof Response) {
    const text = await out.text();
    return {
      status: out.status,
      location: out.headers.get("location"),
      data: text,
      setCookie: out.headers.get("set-cookie"),
    };
  }
  if (out && typeof out === "object" && (out as { type?: string }).type === "DataWithResponseInit") {
    const d = out as unknown as { data: unknown; init: ResponseInit | null };
    return { status: d.init?.status ?? 200, location: null, data: d.data };
  }
  return { status: 200, location: null, data: out };
}

/** The message the price book shows after a redirect (the toast cookie), read once and then cleared. */
async function toastAfter(redirected: { setCookie?: string | null }): Promise<string | null> {
  const toastCookie = (redirected.setCookie ?? "").split(";")[0];
  const page = await run(listPage as Mod, "loader", "/admin/plans", { cookie: `${adminCookie}; ${toastCookie}` });
  return page.data.toast?.message ?? null;
}

const counts = () => ({
  subs: ctx.db.select({ n: count() }).from(subscriptionPlans).get()!.n,
  topups: ctx.db.select({ n: count() }).from(topupPlans).get()!.n,
});

const starterForm = {
  kind: "subscription",
  planFamily: "starter",
  version: "",
  internalId: "",
  publicName: "Starter",
  credits: "1,000",
  price: "10.00",
  currency: "usd",
  interval: "month",
  creditExpiryDays: "30",
  stripePriceId: "",
  isActive: "on",
};

describe("admin plan pages: access", () => {
  const pages: [string, Mod, string, Record<string, string>?][] = [
    ["the plan list", listPage as Mod, "/admin/plans"],
    ["the new plan page", newPage as Mod, "/admin/plans/new"],
    ["the edit page", editPage as Mod, "/admin/plans/subscription/1", { kind: "subscription", id: "1" }],
  ];

  it.each(pages)(
    "%s sends anonymous visitors to the login page, in its loader and its action",
    async (_name, mod, path, params) => {
      for (const which of ["loader", "action"] as const) {
        const res = await run(mod, which, path, {
          cookie: null,
          params,
          form: which === "action" ? starterForm : undefined,
        });
        expect(res.status).toBe(302);
        expect(res.location).toMatch(/^\/login/);
      }
    },
  );

  it.each(pages)(
    "%s answers 403 to a customer, in its loader and its action, and writes nothing",
    async (_name, mod, path, params) => {
      const before = counts();
      for (const which of ["loader", "action"] as const) {
        const res = await run(mod, which, path, {
          cookie: customerCookie,
          params,
          form: which === "action" ? { ...starterForm, intent: "delete", id: "1", isLegacy: "true" } : undefined,
        });
        expect(res.status).toBe(403);
      }
      expect(counts()).toEqual(before);
    },
  );
});

describe("admin plan pages: the price book", () => {
  it("creates a subscription plan from the form, with its Stripe price, and lists it", async () => {
    const res = await run(newPage as Mod, "action", "/admin/plans/new?kind=subscription", { form: starterForm });
    expect(res).toMatchObject({ status: 302, location: "/admin/plans" });
    expect(await toastAfter(res)).toBe("“Starter” was created, with its Stripe product and price.");
    const plan = ctx.db.select().from(subscriptionPlans).where(eq(subscriptionPlans.internalId, "starter-v1")).get()!;
    expect(plan).toMatchObject({
      credits: 1000,
      priceCents: 1000,
      interval: "month",
      version: 1,
      isActive: true,
      isLegacy: false,
    });
    const price = await stripe.prices.retrieve(plan.stripePriceId!);
    expect(price.metadata).toMatchObject({ credits: "1000", planFamily: "starter", version: "1" });
    expect(
      ctx.db
        .select()
        .from(auditLog)
        .where(eq(auditLog.subject, `subscription_plan:${plan.id}`))
        .get()?.actor,
    ).toBe(`user:${adminId}`);

    const list = await run(listPage as Mod, "loader", "/admin/plans");
    expect(list.data.subscriptionPlans).toEqual([
      expect.objectContaining({ id: plan.id, planFamily: "starter", version: 1 }),
    ]);
  });

  it("shows field errors, keeps what was typed and writes nothing for bad input", async () => {
    const before = counts();
    const res = await run(newPage as Mod, "action", "/admin/plans/new", {
      form: { ...starterForm, planFamily: "team", credits: "lots" },
    });
    expect(res.status).toBe(400);
    expect(res.data.result.error).toEqual({ credits: ["Enter a whole number of credits."] });
    expect(res.data.result.initialValue).toMatchObject({ planFamily: "team", credits: "lots", price: "10.00" });
    const badPrice = await run(newPage as Mod, "action", "/admin/plans/new", {
      form: { ...starterForm, planFamily: "team", price: "ten" },
    });
    expect(badPrice.data.result.error).toEqual({ price: ["Enter a price like 10.00."] });
    const taken = await run(newPage as Mod, "action", "/admin/plans/new", { form: { ...starterForm, version: "1" } });
    expect(taken.status).toBe(409);
    expect(taken.data.result.error).toEqual({ version: [expect.stringContaining("already exists")] });
    expect(counts()).toEqual(before);
  });

  it("prefills the next version of a family and marks the previous version legacy", async () => {
    const v1 = ctx.db.select().from(subscriptionPlans).where(eq(subscriptionPlans.internalId, "starter-v1")).get()!;
    const page = await run(newPage as Mod, "loader", `/admin/plans/new?kind=subscription&from=${v1.id}`);
    expect(page.data.defaults).toMatchObject({ planFamily: "starter", version: "2", credits: "1000", price: "10.00" });

    const res = await run(newPage as Mod, "action", "/admin/plans/new", {
      form: {
        ...page.data.defaults,
        kind: "subscription",
        from: String(v1.id),
        publicName: "Starter",
        credits: "1200",
        isActive: "on",
        markPreviousLegacy: "on",
      },
    });
    expect(res).toMatchObject({ status: 302, location: "/admin/plans" });
    const v2 = ctx.db.select().from(subscriptionPlans).where(eq(subscriptionPlans.internalId, "starter-v2")).get()!;
    expect(v2).toMatchObject({ version: 2, credits: 1200, isLegacy: false });
    expect(getPlan(ctx.db, "subscription", v1.id)?.plan.isLegacy).toBe(true);
  });

  it("creates a top-up pack", async () => {
    const res = await run(newPage as Mod, "action", "/admin/plans/new", {
      form: {
        kind: "topup",
        internalId: "pack-500",
        publicName: "500 credits",
        credits: "500",
        price: "5",
        currency: "usd",
        creditExpiryDays: "365",
        isActive: "on",
      },
    });
    expect(res.status).toBe(302);
    expect(ctx.db.select().from(topupPlans).where(eq(topupPlans.internalId, "pack-500")).get()).toMatchObject({
      credits: 500,
      priceCents: 500,
    });
  });

  it("marks a plan legacy from the list and offers it again", async () => {
    const pack = ctx.db.select().from(topupPlans).where(eq(topupPlans.internalId, "pack-500")).get()!;
    const res = await run(listPage as Mod, "action", "/admin/plans", {
      form: { intent: "legacy", kind: "topup", id: String(pack.id), isLegacy: "true" },
    });
    expect(res.data).toMatchObject({ ok: true });
    expect(getPlan(ctx.db, "topup", pack.id)?.plan.isLegacy).toBe(true);
    await run(listPage as Mod, "action", "/admin/plans", {
      form: { intent: "legacy", kind: "topup", id: String(pack.id), isLegacy: "false" },
    });
    expect(getPlan(ctx.db, "topup", pack.id)?.plan.isLegacy).toBe(false);
  });

  it("edits the editable fields; unchecked boxes turn flags off", async () => {
    const pack = ctx.db.select().from(topupPlans).where(eq(topupPlans.internalId, "pack-500")).get()!;
    const params = { kind: "topup", id: String(pack.id) };
    const page = await run(editPage as Mod, "loader", `/admin/plans/topup/${pack.id}`, { params });
    expect(page.data).toMatchObject({
      kind: "topup",
      plan: { id: pack.id, publicName: "500 credits" },
      referenced: false,
    });

    const saved = await run(editPage as Mod, "action", `/admin/plans/topup/${pack.id}`, {
      params,
      form: { intent: "update", publicName: "Small pack", creditExpiryDays: "180", isLegacy: "on" },
    });
    expect(saved.data).toMatchObject({ ok: true });
    expect(getPlan(ctx.db, "topup", pack.id)?.plan).toMatchObject({
      publicName: "Small pack",
      creditExpiryDays: 180,
      isLegacy: true,
      isActive: false,
    });

    const bad = await run(editPage as Mod, "action", `/admin/plans/topup/${pack.id}`, {
      params,
      form: { intent: "update", publicName: "", creditExpiryDays: "0" },
    });
    expect(bad.status).toBe(400);
    // Both problems at once, each in the words of its label.
    expect(bad.data.result.error).toEqual({
      publicName: ["Enter the name customers see."],
      creditExpiryDays: ["Enter between 1 and 3,650 days."],
    });
  });

  it("archives a plan in use and deletes one that is not", async () => {
    const v1 = ctx.db.select().from(subscriptionPlans).where(eq(subscriptionPlans.internalId, "starter-v1")).get()!;
    const now = ctx.clock.now();
    subscribeNewUser(ctx, { email: "subscriber@example.com", planId: v1.id, stripeSubscriptionId: "sub_page" });
    const archived = await run(editPage as Mod, "action", `/admin/plans/subscription/${v1.id}`, {
      params: { kind: "subscription", id: String(v1.id) },
      form: { intent: "delete" },
    });
    expect(archived).toMatchObject({ status: 302, location: "/admin/plans" });
    expect(await toastAfter(archived)).toMatch(/^“Starter” is in use, so it was archived instead of deleted/);
    expect(getPlan(ctx.db, "subscription", v1.id)?.plan).toMatchObject({ isActive: false, archivedAt: now });

    const pack = ctx.db.select().from(topupPlans).where(eq(topupPlans.internalId, "pack-500")).get()!;
    const deleted = await run(editPage as Mod, "action", `/admin/plans/topup/${pack.id}`, {
      params: { kind: "topup", id: String(pack.id) },
      form: { intent: "delete" },
    });
    expect(deleted).toMatchObject({ status: 302, location: "/admin/plans" });
    expect(await toastAfter(deleted)).toBe("“Small pack” was deleted.");
    expect(getPlan(ctx.db, "topup", pack.id)).toBeUndefined();
  });

  it("answers 404 for an unknown plan or kind", async () => {
    expect(
      (
        await run(editPage as Mod, "loader", "/admin/plans/subscription/99999", {
          params: { kind: "subscription", id: "99999" },
        })
      ).status,
    ).toBe(404);
    expect(
      (await run(editPage as Mod, "loader", "/admin/plans/gift/1", { params: { kind: "gift", id: "1" } })).status,
    ).toBe(404);
  });
});
