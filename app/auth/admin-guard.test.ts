import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { auditLog, creditGrants } from "../../db/schema";
import { testContext } from "../../test/db";
import { getBalance } from "../credits/index.server";
import { loader as adminLayoutLoader } from "../routes/admin";
import { action as adminHomeAction, loader as adminHomeLoader } from "../routes/admin._index";
import { recordAudit } from "./audit.server";
import { commitSessionCookie, createSession } from "./session.server";
import { createUser } from "./users.server";

/**
 * The admin pages check the role on the server in every loader and every action: these call the
 * route modules directly, as Remix would, for each kind of caller.
 */
const contexts: ReturnType<typeof testContext>[] = [];
afterEach(() => {
  for (const ctx of contexts.splice(0)) closeDatabase(ctx.db);
});

async function setup() {
  const ctx = testContext({ SESSION_SECRET: "unit-test-session-secret" });
  contexts.push(ctx);
  const admin = createUser(ctx, { email: "admin@example.com", name: "Admin", role: "admin" });
  const customer = createUser(ctx, { email: "customer@example.com", name: "Customer" });
  const cookieFor = async (userId: number) =>
    (await commitSessionCookie(ctx.env, createSession(ctx, { userId }))).split(";")[0];
  return { ctx, admin, customer, adminCookie: await cookieFor(admin.id), customerCookie: await cookieFor(customer.id) };
}

function get(cookie?: string) {
  return new Request("http://localhost/admin?index", { headers: cookie ? { Cookie: cookie } : {} });
}

function post(fields: Record<string, string>, cookie?: string) {
  return new Request("http://localhost/admin?index", {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: cookie ? { Cookie: cookie } : {},
  });
}

const GRANT = {
  email: "customer@example.com",
  amount: "250",
  reason: "Sorry for the outage",
  expiresOn: "",
  key: "test-key-0001",
};

async function thrown(p: Promise<unknown>): Promise<Response> {
  const result = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(result).toBeInstanceOf(Response);
  return result as Response;
}

type ActionResult = {
  data: Record<string, unknown> & { ok?: boolean; result: { error?: Record<string, string[]> } };
  init: ResponseInit | null;
};

describe("the admin home's loader", () => {
  it("sends an anonymous visitor to the login page", async () => {
    const { ctx } = await setup();
    for (const loader of [adminHomeLoader, adminLayoutLoader]) {
      const res = await thrown(loader({ request: get(), context: ctx, params: {} }));
      expect(res.status).toBe(302);
      expect(res.headers.get("Location")).toBe("/login?redirectTo=%2Fadmin%3Findex");
    }
  });

  it("refuses a logged-in customer with 403", async () => {
    const { ctx, customerCookie } = await setup();
    for (const loader of [adminHomeLoader, adminLayoutLoader]) {
      const res = await thrown(loader({ request: get(customerCookie), context: ctx, params: {} }));
      expect(res.status).toBe(403);
    }
  });

  it("shows an admin the counts and the recent audit log", async () => {
    const { ctx, adminCookie } = await setup();
    recordAudit(ctx, {
      actor: "admin@example.com",
      action: "credits.grant",
      subject: "customer@example.com",
    });
    const data = await adminHomeLoader({ request: get(adminCookie), context: ctx, params: {} });
    expect(data.counts).toEqual({ total: 2, customers: 1, admins: 1, creditsOutstanding: 0 });
    expect(data.audit).toEqual([
      expect.objectContaining({ actor: "admin@example.com", action: "credits.grant", subject: "customer@example.com" }),
    ]);
    expect(data.grantKey).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("the admin home's grant action", () => {
  it("sends an anonymous POST to the login page and grants nothing", async () => {
    const { ctx } = await setup();
    const res = await thrown(adminHomeAction({ request: post(GRANT), context: ctx, params: {} }));
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);
    expect(ctx.db.select().from(creditGrants).all()).toHaveLength(0);
  });

  it("refuses a customer's POST with 403 and grants nothing", async () => {
    const { ctx, customerCookie } = await setup();
    const res = await thrown(adminHomeAction({ request: post(GRANT, customerCookie), context: ctx, params: {} }));
    expect(res.status).toBe(403);
    expect(ctx.db.select().from(creditGrants).all()).toHaveLength(0);
  });

  it("lets an admin grant promotional credits, audited, and a resubmitted form grants once", async () => {
    const { ctx, admin, customer, adminCookie } = await setup();
    const fields = { ...GRANT, expiresOn: "2026-03-31" };
    const first = (await adminHomeAction({
      request: post(fields, adminCookie),
      context: ctx,
      params: {},
    })) as unknown as ActionResult;
    expect(first.data).toMatchObject({ ok: true, replayed: false });
    const again = (await adminHomeAction({
      request: post(fields, adminCookie),
      context: ctx,
      params: {},
    })) as unknown as ActionResult;
    expect(again.data).toMatchObject({ ok: true, replayed: true, grantId: first.data.grantId });

    const balance = getBalance(ctx, customer.id);
    expect(balance.balance).toBe(250);
    expect(balance.grants).toMatchObject([
      {
        type: "promotional",
        amount: 250,
        source: "admin",
        reason: "Sorry for the outage",
        expiresAt: "2026-04-01T00:00:00.000Z",
      },
    ]);
    const audit = ctx.db.select().from(auditLog).where(eq(auditLog.action, "credits.grant")).all();
    expect(audit).toMatchObject([
      { actor: `user:${admin.id}`, subject: `user:${customer.id}`, details: { amount: 250 } },
    ]);
  });

  it("answers an admin's bad input with every field's error at once, in words, and writes nothing", async () => {
    const { ctx, adminCookie } = await setup();
    const res = (await adminHomeAction({
      request: post(
        { email: "nobody@example", amount: "1.5", reason: " ", expiresOn: "31/12/2026", key: "test-key-0002" },
        adminCookie,
      ),
      context: ctx,
      params: {},
    })) as unknown as ActionResult;
    expect(res.init?.status).toBe(400);
    expect(res.data.result.error).toEqual({
      email: ["Enter a valid email address."],
      amount: ["Enter a whole number of credits."],
      reason: ["Say why (customers see this)."],
      expiresOn: ["Use a date like 2026-12-31."],
    });

    const unknown = (await adminHomeAction({
      request: post({ ...GRANT, email: "nobody@example.com" }, adminCookie),
      context: ctx,
      params: {},
    })) as unknown as ActionResult;
    expect(unknown.init?.status).toBe(404);
    expect(unknown.data.result.error).toEqual({ email: ["No account has this email address."] });

    const past = (await adminHomeAction({
      request: post({ ...GRANT, expiresOn: "2025-12-31" }, adminCookie),
      context: ctx,
      params: {},
    })) as unknown as ActionResult;
    expect(past.data.result.error).toEqual({ expiresOn: ["Choose a day that has not ended yet."] });
    expect(ctx.db.select().from(creditGrants).all()).toHaveLength(0);
    expect(ctx.db.select().from(auditLog).all()).toHaveLength(0);
  });
});
