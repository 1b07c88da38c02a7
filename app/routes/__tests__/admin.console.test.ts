import { describe, expect, it } from "vitest";
import { stripeEvents } from "../../../db/schema";
import { useTestContexts } from "../../../test/contexts";
import { recordAudit } from "../../auth/audit.server";
import { adjustCredits, deductCredits, expireGrants, grantCredits, voidGrant } from "../../credits/index.server";
import { MS_PER_DAY } from "../../utils/clock";
import * as auditPage from "../admin.audit";
import * as eventPage from "../admin.events_.$eventId";
import * as eventsPage from "../admin.events";
import * as importPage from "../admin.import";
import * as reportsPage from "../admin.reports";
import * as reportsCsv from "../admin.reports[.]csv";
import { adminSetup, call, type Handler } from "./admin-harness";

const newContext = useTestContexts();
const setup = () => adminSetup(newContext({ SESSION_SECRET: "unit-test-session-secret" }));

function storeEvent(ctx: Awaited<ReturnType<typeof setup>>["ctx"], id: string, customerId: string | null) {
  const now = ctx.clock.now();
  ctx.db
    .insert(stripeEvents)
    .values({
      id,
      type: "invoice.paid",
      status: "held",
      error: "no plan for price_123",
      attempts: 2,
      payload: { id, type: "invoice.paid", data: { object: { object: "invoice", id: "in_1", customer: customerId } } },
      createdAt: now,
      updatedAt: now,
    })
    .run();
}

describe("admin console pages refuse everyone but admins", () => {
  it("sends anonymous visitors to log in and answers customers 403", async () => {
    const { ctx, customerCookie } = await setup();
    storeEvent(ctx, "evt_guard", null);
    const cases: [Handler, string, Record<string, string>][] = [
      [auditPage.loader, "/admin/audit", {}],
      [reportsPage.loader, "/admin/reports", {}],
      [reportsCsv.loader, "/admin/reports.csv", {}],
      [eventPage.loader, "/admin/events/evt_guard", { eventId: "evt_guard" }],
      [importPage.loader, "/admin/import", {}],
    ];
    for (const [fn, path, params] of cases) {
      const anonymous = await call(ctx, fn, path, { params });
      expect(anonymous.status, path).toBe(302);
      expect(anonymous.location).toMatch(/^\/login\?redirectTo=/);
      expect((await call(ctx, fn, path, { params, cookie: customerCookie })).status, path).toBe(403);
    }
    const form = {
      intent: "import-balances",
      content: "email,balance\njane.doe@example.com,10\n",
      format: "csv",
      expiresInDays: "30",
    };
    expect((await call(ctx, importPage.action as Handler, "/admin/import", { form })).status).toBe(302);
    expect(
      (await call(ctx, importPage.action as Handler, "/admin/import", { form, cookie: customerCookie })).status,
    ).toBe(403);
    expect(ctx.db.$client.prepare("select count(*) as n from credit_grants").get()).toEqual({ n: 0 });
  });
});

describe("the audit page", () => {
  it("filters by actor (email or id), action prefix and customer, and pages", async () => {
    const { ctx, admin, customer, adminCookie } = await setup();
    for (let i = 0; i < 60; i++) {
      recordAudit(ctx, {
        actor: `user:${admin.id}`,
        action: "credits.adjust",
        subject: `user:${customer.id}`,
        details: { i },
      });
    }
    recordAudit(ctx, { actor: "cli", action: "plan.update", subject: "plan:1" });
    const byEmail = await call(ctx, auditPage.loader, "/admin/audit?actor=admin%40example.com", {
      cookie: adminCookie,
    });
    expect(byEmail.data.rows).toHaveLength(50);
    expect(byEmail.data.rows[0]).toMatchObject({
      actorLabel: "admin@example.com",
      subjectLabel: "jane.doe@example.com",
    });
    const next = await call(
      ctx,
      auditPage.loader,
      `/admin/audit?actor=admin%40example.com&before=${byEmail.data.nextBefore}`,
      { cookie: adminCookie },
    );
    expect(next.data.rows).toHaveLength(10);
    expect(next.data.nextBefore).toBeNull();
    const plans = await call(ctx, auditPage.loader, "/admin/audit?action=plan.", { cookie: adminCookie });
    expect(plans.data.rows.map((r: { actor: string }) => r.actor)).toEqual(["cli"]);
    // Actors that are not people read as words, not as codes.
    expect(plans.data.rows[0]).toMatchObject({ actorLabel: "Command line" });
    const ofCustomer = await call(ctx, auditPage.loader, `/admin/audit?customer=${customer.id}&action=credits.adjust`, {
      cookie: adminCookie,
    });
    expect(ofCustomer.data.rows).toHaveLength(50);
    expect(ofCustomer.data.actions).toEqual(["credits.adjust", "plan.update"]);
  });
});

describe("the reports page", () => {
  it("counts credits per day by kind and walks the outstanding balance back from today", async () => {
    const { ctx, customer, adminCookie } = await setup();
    ctx.clock.set("2026-01-10T10:00:00Z");
    const sub = grantCredits(ctx, {
      userId: customer.id,
      type: "subscription",
      amount: 1000,
      source: "admin",
      expiresAt: new Date("2026-01-12T00:00:00Z"),
    });
    grantCredits(ctx, { userId: customer.id, type: "topup", amount: 300, source: "admin" });
    ctx.clock.set("2026-01-11T10:00:00Z");
    deductCredits(ctx, { userId: customer.id, amount: 200 });
    adjustCredits(ctx, { userId: customer.id, amount: -50, reason: "Correction" });
    adjustCredits(ctx, { userId: customer.id, amount: 25, reason: "Goodwill" });
    const promo = grantCredits(ctx, { userId: customer.id, type: "promotional", amount: 40, source: "admin" });
    voidGrant(ctx, { grantId: promo.grant.id });
    ctx.clock.set("2026-01-12T10:00:00Z");
    expireGrants(ctx);
    void sub;

    const res = await call(ctx, reportsPage.loader, "/admin/reports", { cookie: adminCookie });
    const days = res.data.credits.days as { day: string }[];
    expect(days).toHaveLength(30);
    const byDay = Object.fromEntries(days.map((d) => [d.day, d]));
    expect(byDay["2026-01-10"]).toMatchObject({ grantedSubscription: 1000, grantedTopup: 300, outstanding: 1300 });
    expect(byDay["2026-01-11"]).toMatchObject({ spent: 250, grantedPromotional: 65, voided: 40, outstanding: 1075 });
    expect(byDay["2026-01-12"]).toMatchObject({ expired: 750, outstanding: 325 });
    expect(byDay["2026-01-09"]).toMatchObject({ outstanding: 0 });
    expect(res.data.credits.totals).toMatchObject({ outstandingNow: 325, spent: 250, expired: 750 });

    // A row stamped with an earlier day after the report was cached (a clock moved back) is counted.
    ctx.clock.set("2026-01-10T12:00:00Z");
    deductCredits(ctx, { userId: customer.id, amount: 5 });
    ctx.clock.set("2026-01-12T10:00:00Z");
    const again = await call(ctx, reportsPage.loader, "/admin/reports", { cookie: adminCookie });
    const day10 = (again.data.credits.days as { day: string; spent: number; outstanding: number }[]).find(
      (d) => d.day === "2026-01-10",
    );
    expect(day10).toMatchObject({ spent: 5, outstanding: 1295 });
    expect(again.data.credits.totals.outstandingNow).toBe(320);
    ctx.clock.set("2026-01-10T12:00:00Z");
    adjustCredits(ctx, { userId: customer.id, amount: 5, reason: "Undo" });
    ctx.clock.set("2026-01-12T10:00:00Z");

    const ninety = await call(ctx, reportsPage.loader, "/admin/reports?days=90", { cookie: adminCookie });
    expect(ninety.data.credits.days).toHaveLength(90);
    expect(ninety.data.credits.days[0].day).toBe(
      new Date(Date.parse("2026-01-12") - 89 * MS_PER_DAY).toISOString().slice(0, 10),
    );

    const csv = await call(ctx, reportsCsv.loader, "/admin/reports.csv", { cookie: adminCookie });
    const lines = (await csv.response!.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(
      /^day,grantedSubscription,grantedTopup,grantedPromotional,spent,expired,voided,refunded,outstanding,/,
    );
    expect(lines).toHaveLength(31);
    expect(lines.find((l) => l.startsWith("2026-01-11"))).toMatch(/^2026-01-11,0,0,65,250,0,40,0,1075,usd,0,0,0$/);
  });
});

describe("the Stripe event page", () => {
  it("shows the event with its payload and the customer it is about, and 404s an unknown id", async () => {
    const { ctx, customer, adminCookie } = await setup();
    ctx.db.$client.prepare("update users set stripe_customer_id = 'cus_jane' where id = ?").run(customer.id);
    storeEvent(ctx, "evt_1", "cus_jane");
    const res = await call(ctx, eventPage.loader, "/admin/events/evt_1", {
      params: { eventId: "evt_1" },
      cookie: adminCookie,
    });
    expect(res.data.event).toMatchObject({
      id: "evt_1",
      type: "invoice.paid",
      status: "held",
      attempts: 2,
      error: "no plan for price_123",
      customer: { id: customer.id, email: "jane.doe@example.com" },
    });
    expect(res.data.event.payloadText).toContain('\n  "type": "invoice.paid"');
    const filtered = await call(ctx, eventsPage.loader, "/admin/events?show=all&type=invoice.paid&status=held", {
      cookie: adminCookie,
    });
    expect(filtered.data.events.map((e: { id: string }) => e.id)).toEqual(["evt_1"]);
    const none = await call(ctx, eventsPage.loader, "/admin/events?show=all&status=processed", { cookie: adminCookie });
    expect(none.data.events).toEqual([]);
    const missing = await call(ctx, eventPage.loader, "/admin/events/evt_nope", {
      params: { eventId: "evt_nope" },
      cookie: adminCookie,
    });
    expect(missing.status).toBe(404);
  });
});

describe("the import page", () => {
  it("checks pasted balances first (nothing written), then imports them on confirmation, audited", async () => {
    const { ctx, customer, adminCookie } = await setup();
    const post = (form: Record<string, string>) =>
      call(ctx, importPage.action as Handler, "/admin/import", { form, cookie: adminCookie });
    const content = "email,balance\njane.doe@example.com,120\nbob@example.org,0\n";
    const preview = await post({ intent: "preview-balances", content, format: "csv", expiresInDays: "never" });
    expect(preview.data.summary).toMatchObject({
      dryRun: true,
      imported: 1,
      skippedZero: 1,
      credits: 120,
      expiresAt: null,
    });
    expect(preview.data.confirm).toEqual({ content, format: "csv", expiresInDays: "never" });
    expect(ctx.db.$client.prepare("select count(*) as n from credit_grants").get()).toEqual({ n: 0 });

    const done = await post({ intent: "import-balances", ...preview.data.confirm });
    expect(done.data.summary).toMatchObject({ dryRun: false, imported: 1 });
    expect(ctx.db.$client.prepare("select user_id as u, amount, expires_at as e from credit_grants").all()).toEqual([
      { u: customer.id, amount: 120, e: null },
    ]);
    expect(ctx.db.$client.prepare("select action from audit_log").pluck().all()).toEqual(["balances.import"]);

    const bad = await post({ intent: "preview-balances", content: "", format: "xml", expiresInDays: "soon" });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.data.result.error).sort()).toEqual(["content", "expiresInDays", "format"]);
    const unknown = await post({
      intent: "preview-balances",
      content: "email,balance\nnobody@example.com,5\n",
      format: "csv",
    });
    expect(unknown.data.result.error.content[0]).toMatch(/no user nobody@example.com/);
  });
});
