import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { count } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../../db/schema";
import type { TestContext } from "../../../test/contexts";
import { subscriptionPlanFixture, useAdminFixture } from "../../../test/plans";
import { getPlan } from "../../plans/index.server";
import * as editPage from "../admin.plans_.$kind.$id";

// The admin edit form of a draft subscription plan (no Stripe price yet) sets its rollover terms,
// as the create form and the price book API do; posted the way a browser without JavaScript posts.

const fixture = useAdminFixture();
let ctx: TestContext;
let adminCookie: string;
beforeAll(() => {
  ({ ctx, adminCookie } = fixture);
});

async function post(id: number, form: Record<string, string>) {
  const body = new FormData();
  for (const [k, v] of Object.entries(form)) body.set(k, v);
  const request = new Request(`http://localhost/admin/plans/subscription/${id}`, {
    method: "POST",
    headers: { cookie: adminCookie },
    body,
  });
  const out = (await editPage.action({
    request,
    params: { kind: "subscription", id: String(id) },
    context: ctx,
  } as unknown as ActionFunctionArgs)) as unknown;
  if (out && typeof out === "object" && (out as { type?: string }).type === "DataWithResponseInit") {
    const d = out as { data: { result: { error?: Record<string, string[]> } }; init: ResponseInit | null };
    return { status: d.init?.status ?? 200, data: d.data as Record<string, unknown> & typeof d.data };
  }
  return { status: 200, data: out as Record<string, unknown> & { result: { error?: Record<string, string[]> } } };
}

let seq = 0;
const subscriptionPlan = (stripePriceId: string | null) =>
  subscriptionPlanFixture(ctx, {
    planFamily: `roll${++seq}`,
    publicName: "Rolling",
    stripeProductId: null,
    stripePriceId,
    isActive: false,
    rolloverPercent: 10,
    rolloverMaxCredits: null,
  });

const terms = (id: number) => {
  const p = getPlan(ctx.db, "subscription", id)!.plan as { rolloverPercent: number; rolloverMaxCredits: number | null };
  return { rolloverPercent: p.rolloverPercent, rolloverMaxCredits: p.rolloverMaxCredits };
};
const audits = () => ctx.db.select({ n: count() }).from(auditLog).get()!.n;
const base = { intent: "update", publicName: "Rolling", creditExpiryDays: "30" };

describe("editing a draft subscription plan's rollover", () => {
  it("saves the rollover percentage and cap; an empty cap means none", async () => {
    const draft = subscriptionPlan(null);
    const page = (await editPage.loader({
      request: new Request(`http://localhost/admin/plans/subscription/${draft.id}`, {
        headers: { cookie: adminCookie },
      }),
      params: { kind: "subscription", id: String(draft.id) },
      context: ctx,
    } as unknown as LoaderFunctionArgs)) as { plan: { stripePriceId: string | null; rolloverPercent: number } };
    expect(page.plan).toMatchObject({ stripePriceId: null, rolloverPercent: 10 });

    const saved = await post(draft.id, { ...base, rolloverPercent: "50", rolloverMaxCredits: "2,000" });
    expect(saved).toMatchObject({ status: 200, data: { ok: true } });
    expect(terms(draft.id)).toEqual({ rolloverPercent: 50, rolloverMaxCredits: 2000 });

    expect((await post(draft.id, { ...base, rolloverPercent: "25", rolloverMaxCredits: "" })).status).toBe(200);
    expect(terms(draft.id)).toEqual({ rolloverPercent: 25, rolloverMaxCredits: null });
  });

  it("refuses a bad value with the error beside its field (all at once) and writes nothing", async () => {
    const draft = subscriptionPlan(null);
    await post(draft.id, { ...base, rolloverPercent: "50", rolloverMaxCredits: "2000" });
    const before = { terms: terms(draft.id), audits: audits() };
    for (const [fields, errors] of [
      [{ rolloverPercent: "101" }, { rolloverPercent: ["Enter between 0 and 100 for the percentage."] }],
      [{ rolloverPercent: "half" }, { rolloverPercent: ["Enter a whole number for the percentage."] }],
      [
        { rolloverPercent: "-1", rolloverMaxCredits: "0" },
        {
          rolloverPercent: ["Enter a whole number for the percentage."],
          rolloverMaxCredits: ["Enter between 1 and 1,000,000,000 credits."],
        },
      ],
    ] as const) {
      const answer = await post(draft.id, { ...base, rolloverMaxCredits: "2000", ...fields, publicName: "Renamed" });
      expect(answer.status).toBe(400);
      expect(answer.data.result.error).toEqual(errors);
    }
    expect({ terms: terms(draft.id), audits: audits() }).toEqual(before);
    expect(getPlan(ctx.db, "subscription", draft.id)!.plan.publicName).toBe("Rolling");
  });

  it("leaves the rollover of a plan with a Stripe price alone: its form has no such fields", async () => {
    const priced = subscriptionPlan(`price_rollover_${Date.now()}`);
    const answer = await post(priced.id, { ...base, publicName: "Renamed", rolloverPercent: "90" });
    expect(answer).toMatchObject({ status: 200, data: { ok: true } });
    expect(getPlan(ctx.db, "subscription", priced.id)!.plan.publicName).toBe("Renamed");
    expect(terms(priced.id)).toEqual({ rolloverPercent: 10, rolloverMaxCredits: null });
  });
});
