import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, creditLedger } from "../../../db/schema";
import { useTestContexts } from "../../../test/contexts";
import { createUser } from "../../auth/users.server";
import { getBalance, grantCredits } from "../../credits/index.server";
import { ledgerCsvChunks } from "../../credits/customer-view.server";
import * as customerPage from "../admin.customers.$userId";
import * as ledgerCsv from "../admin.customers.$userId_.ledger[.]csv";
import * as listPage from "../admin.customers._index";
import { adminSetup, call, type Handler } from "./admin-harness";

// The customer pages called as Remix calls them, with real form posts (what a browser without
// JavaScript sends) and real session cookies.

const newContext = useTestContexts();

const setup = () => adminSetup(newContext({ SESSION_SECRET: "unit-test-session-secret" }));

describe("the customer pages refuse everyone but admins", () => {
  it("sends anonymous visitors to log in and answers customers 403, for every loader and action", async () => {
    const { ctx, customer, customerCookie } = await setup();
    const params = { userId: String(customer.id) };
    const cases: [Handler, string][] = [
      [listPage.loader, "/admin/customers"],
      [customerPage.loader, `/admin/customers/${customer.id}`],
      [ledgerCsv.loader, `/admin/customers/${customer.id}/ledger.csv`],
    ];
    for (const [fn, path] of cases) {
      expect((await call(ctx, fn, path, { params })).status).toBe(302);
      expect((await call(ctx, fn, path, { params, cookie: customerCookie })).status).toBe(403);
    }
    const form = { intent: "adjust", amount: "500", reason: "x", key: "abcdefgh-1234" };
    const path = `/admin/customers/${customer.id}`;
    expect((await call(ctx, customerPage.action as Handler, path, { params, form })).status).toBe(302);
    expect(
      (await call(ctx, customerPage.action as Handler, path, { params, form, cookie: customerCookie })).status,
    ).toBe(403);
    expect(ctx.db.select().from(creditLedger).all()).toHaveLength(0);
    expect(ctx.db.select().from(auditLog).all()).toHaveLength(0);
  });
});

describe("the customers list", () => {
  it("finds a customer by part of their email", async () => {
    const { ctx, adminCookie } = await setup();
    const res = await call(ctx, listPage.loader, "/admin/customers?q=DOE@exa", { cookie: adminCookie });
    expect(res.data.rows.map((r: { email: string }) => r.email)).toEqual(["jane.doe@example.com"]);
  });

  it("sorts by balance and pages with a cursor", async () => {
    const { ctx, adminCookie, customer } = await setup();
    grantCredits(ctx, { userId: customer.id, type: "promotional", amount: 70, source: "admin" });
    const first = await call(ctx, listPage.loader, "/admin/customers?sort=balance&dir=desc", { cookie: adminCookie });
    expect(first.data.rows[0].email).toBe("jane.doe@example.com");
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/admin/customers?sort=created&dir=asc${cursor ? `&cursor=${cursor}` : ""}`;
      const page = (await call(ctx, listPage.loader, url, { cookie: adminCookie })).data;
      expect(page.rows.length).toBeLessThanOrEqual(50);
      seen.push(...page.rows.map((r: { email: string }) => r.email));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["admin@example.com", "jane.doe@example.com", "bob@example.org"]);
  });
});

describe("money-changing actions on a customer", () => {
  it("adjusts only after the confirmation step, once per key, with an audit row", async () => {
    const { ctx, admin, customer, adminCookie } = await setup();
    grantCredits(ctx, { userId: customer.id, type: "promotional", amount: 100, source: "admin" });
    const params = { userId: String(customer.id) };
    const path = `/admin/customers/${customer.id}`;
    const post = (form: Record<string, string>) =>
      call(ctx, customerPage.action as Handler, path, { params, form, cookie: adminCookie });

    const review = await post({ intent: "confirm-adjust", amount: "-50", reason: "Double charge" });
    expect(review.data.confirm).toMatchObject({ kind: "adjust", amount: -50, reason: "Double charge", balance: 100 });
    expect(getBalance(ctx, customer.id).balance).toBe(100);

    const key = review.data.confirm.key as string;
    const done = await post({ intent: "adjust", amount: "-50", reason: "Double charge", key });
    expect(done.status).toBe(302);
    expect(done.headers?.get("set-cookie")).toMatch(/^toast=/);
    expect(getBalance(ctx, customer.id).balance).toBe(50);
    const again = await post({ intent: "adjust", amount: "-50", reason: "Double charge", key });
    expect(again.status).toBe(302);
    expect(getBalance(ctx, customer.id).balance).toBe(50);

    const audit = ctx.db.select().from(auditLog).where(eq(auditLog.action, "credits.adjust")).all();
    expect(audit).toMatchObject([
      { actor: `user:${admin.id}`, subject: `user:${customer.id}`, details: { amount: -50 } },
    ]);
  });

  it("reports every field error at once, in plain words, and writes nothing", async () => {
    const { ctx, customer, adminCookie } = await setup();
    const params = { userId: String(customer.id) };
    const res = await call(ctx, customerPage.action as Handler, `/admin/customers/${customer.id}`, {
      params,
      cookie: adminCookie,
      form: { intent: "confirm-adjust", amount: "lots", reason: "" },
    });
    expect(res.status).toBe(400);
    expect(res.data.result.error).toMatchObject({
      amount: ["Enter a whole number, like 200 to add or -50 to take away."],
      reason: ["Say why; the customer sees this next to the credits."],
    });
    expect(ctx.db.select().from(creditLedger).all()).toHaveLength(0);
  });

  it("says so when taking away more than the customer has", async () => {
    const { ctx, customer, adminCookie } = await setup();
    const res = await call(ctx, customerPage.action as Handler, `/admin/customers/${customer.id}`, {
      params: { userId: String(customer.id) },
      cookie: adminCookie,
      form: { intent: "adjust", amount: "-50", reason: "x", key: "abcdefgh-0001" },
    });
    // The engine's insufficient_credits, answered with its own status by formErrorResponse.
    expect(res.status).toBe(402);
    expect(res.data.result.error[""][0]).toMatch(/Not enough credits/);
    expect(ctx.db.select().from(auditLog).all()).toHaveLength(0);
  });

  it("voids a grant after confirmation and refuses another customer's grant", async () => {
    const { ctx, customer, adminCookie } = await setup();
    const other = createUser(ctx, { email: "other@example.com" });
    const mine = grantCredits(ctx, { userId: customer.id, type: "promotional", amount: 80, source: "admin" });
    const theirs = grantCredits(ctx, { userId: other.id, type: "promotional", amount: 90, source: "admin" });
    const params = { userId: String(customer.id) };
    const post = (form: Record<string, string>) =>
      call(ctx, customerPage.action as Handler, `/admin/customers/${customer.id}`, {
        params,
        form,
        cookie: adminCookie,
      });

    const review = await post({ intent: "confirm-void", grantId: String(mine.grant.id) });
    expect(review.data.confirm).toMatchObject({ kind: "void", grantId: mine.grant.id, remaining: 80 });
    expect(getBalance(ctx, customer.id).balance).toBe(80);
    await post({
      intent: "void",
      grantId: String(mine.grant.id),
      key: review.data.confirm.key,
      reason: "Granted by mistake",
    });
    expect(getBalance(ctx, customer.id).balance).toBe(0);
    expect(ctx.db.select().from(auditLog).where(eq(auditLog.action, "credits.void")).all()).toHaveLength(1);

    const cross = await post({ intent: "void", grantId: String(theirs.grant.id), key: "abcdefgh-0002" });
    expect(cross.status).toBe(404);
    expect(getBalance(ctx, other.id).balance).toBe(90);
  });

  it("grants promotional credits through the confirmation step", async () => {
    const { ctx, customer, adminCookie } = await setup();
    const params = { userId: String(customer.id) };
    const post = (form: Record<string, string>) =>
      call(ctx, customerPage.action as Handler, `/admin/customers/${customer.id}`, {
        params,
        form,
        cookie: adminCookie,
      });
    const review = await post({ intent: "confirm-grant", amount: "200", reason: "Welcome back", expiresOn: "" });
    await post({ intent: "grant", amount: "200", reason: "Welcome back", expiresOn: "", key: review.data.confirm.key });
    expect(getBalance(ctx, customer.id).balance).toBe(200);
    expect(ctx.db.select().from(auditLog).where(eq(auditLog.action, "credits.grant")).all()).toHaveLength(1);
  });
});

describe("the customer page and its export", () => {
  it("shows balance, grants, ledger with allocations and actor, and the audit trail", async () => {
    const { ctx, customer, adminCookie } = await setup();
    grantCredits(ctx, { userId: customer.id, type: "promotional", amount: 100, source: "admin", actor: "cli" });
    const res = await call(ctx, customerPage.loader, `/admin/customers/${customer.id}`, {
      params: { userId: String(customer.id) },
      cookie: adminCookie,
    });
    expect(res.data.balance.balance).toBe(100);
    expect(res.data.grants.rows).toHaveLength(1);
    expect(res.data.ledger.rows[0]).toMatchObject({ type: "grant", amount: 100, actor: "cli" });
    const filtered = await call(ctx, customerPage.loader, `/admin/customers/${customer.id}?type=deduction`, {
      params: { userId: String(customer.id) },
      cookie: adminCookie,
    });
    expect(filtered.data.ledger.rows).toHaveLength(0);
  });

  it("streams the ledger as CSV with one row per entry", async () => {
    const { ctx, customer, adminCookie } = await setup();
    for (let i = 0; i < 3; i++)
      grantCredits(ctx, {
        userId: customer.id,
        type: "promotional",
        amount: 10 + i,
        source: "admin",
        reason: `r,${i}`,
      });
    const res = await call(ctx, ledgerCsv.loader, `/admin/customers/${customer.id}/ledger.csv`, {
      params: { userId: String(customer.id) },
      cookie: adminCookie,
    });
    expect(res.status).toBe(200);
    expect(res.headers?.get("content-type")).toMatch(/text\/csv/);
    const lines = (await res.response!.text()).trim().split("\r\n");
    expect(lines[0]).toBe("id,createdAt,type,amount,balanceAfter,reason,actor,allocations");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^\d+,2026-01-01T00:00:00.000Z,grant,10,10,"r,0",,\d+:10$/);
  });

  it("follows the page's type filter: ?type=grant exports only grants, under a name that says so", async () => {
    const { ctx, customer, adminCookie } = await setup();
    grantCredits(ctx, { userId: customer.id, type: "promotional", amount: 10, source: "admin" });
    ctx.db.$client
      .prepare(
        "insert into credit_ledger (user_id, type, amount, balance_after, reason, created_at) values (?, 'adjustment', -1, 9, 'x', ?)",
      )
      .run(customer.id, ctx.clock.now().getTime());
    const res = await call(ctx, ledgerCsv.loader, `/admin/customers/${customer.id}/ledger.csv?type=grant`, {
      params: { userId: String(customer.id) },
      cookie: adminCookie,
    });
    const lines = (await res.response!.text()).trim().split("\r\n");
    expect(lines.slice(1).map((l) => l.split(",")[2])).toEqual(["grant"]);
    expect(res.headers?.get("content-disposition")).toContain("ledger-user-" + customer.id + "-grant.csv");
  });

  it("reads the ledger one page per chunk, only as the download asks for more", async () => {
    const { ctx, customer } = await setup();
    for (let i = 0; i < 5; i++)
      grantCredits(ctx, { userId: customer.id, type: "promotional", amount: 1 + i, source: "admin" });
    const chunks = ledgerCsvChunks(ctx, customer.id, 2);
    expect(chunks.next().value).toMatch(/^id,createdAt,/);
    // Entries written after the download started but before their page is read are included:
    // nothing beyond the current page was read yet.
    expect(chunks.next().value!.split("\r\n").filter(Boolean)).toHaveLength(2);
    grantCredits(ctx, { userId: customer.id, type: "promotional", amount: 99, source: "admin" });
    const rest = [...chunks];
    expect(rest).toHaveLength(2);
    expect(rest.join("").split("\r\n").filter(Boolean)).toHaveLength(4);
  });
});
