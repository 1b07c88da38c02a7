// External ids, PATCH /users/:userId and GET /users?q= (issue 10), against the production server
// process: every contract line with its errors, and that a refused request writes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../auth/users.server";
import { grantCredits } from "../../credits/index.server";
import { startProductionServer, type ProductionServer } from "../../../test/production-server";

let api: ProductionServer;
beforeAll(async () => {
  api = await startProductionServer();
}, 300_000);
afterAll(async () => {
  await api?.close();
});

let n = 0;
const email = () => `user${++n}-${Date.now()}@example.com`;
const ext = (id: string) => `ext:${encodeURIComponent(id)}`;

/** A user made through the API, with `credits` topped up directly. */
async function newUser(body: Record<string, unknown> = {}, credits = 0) {
  const res = await api.post("/api/v1/users", { email: email(), ...body });
  expect(res.status, res.text).toBe(201);
  if (credits > 0) grantCredits(api.ctx, { userId: res.body.id, type: "topup", amount: credits, source: "admin" });
  return res.body as { id: number; email: string; externalId: string | null };
}

describe("externalId on POST /api/v1/users", () => {
  it("stores the external id exactly as sent and shows it on every user object", async () => {
    const externalId = "Acct/42 ünïcode #1";
    const created = await api.post("/api/v1/users", { email: "ext-exact@example.com", name: "Ext", externalId });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      email: "ext-exact@example.com",
      name: "Ext",
      externalId,
      lowBalanceThreshold: null,
      balance: 0,
    });
    const got = await api.get(`/api/v1/users/${created.body.id}`, { key: api.keys.usage });
    expect(got.body.externalId).toBe(externalId);
  });

  it("shows externalId null for a user without one", async () => {
    const user = await newUser();
    expect(user.externalId).toBeNull();
    expect((await api.get(`/api/v1/users/${user.id}`)).body).toMatchObject({ externalId: null });
  });

  it("accepts 255 characters (counted as characters, not bytes)", async () => {
    const long = "é".repeat(255);
    expect((await newUser({ externalId: long })).externalId).toBe(long);
  });

  it.each([
    ["empty", ""],
    ["256 characters", "x".repeat(256)],
    ["a newline", "acct\n42"],
    ["a NUL", "acct\u000042"],
    ["a DEL", "acct\u007f"],
    ["a C1 control", "acct\u0085"],
    ["a number", 42],
  ])("refuses an externalId that is %s with 400, writing nothing", async (_name, externalId) => {
    const before = api.counts();
    const res = await api.post("/api/v1/users", { email: email(), externalId });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_request", field: "externalId" });
    expect(api.counts()).toEqual(before);
  });

  it("answers 409 conflict for an external id another user has, writing nothing; ids are case-sensitive", async () => {
    await newUser({ externalId: "taken-1" });
    const before = api.counts();
    const res = await api.post("/api/v1/users", { email: email(), externalId: "taken-1" });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "conflict", field: "externalId" });
    expect(api.counts()).toEqual(before);
    expect((await newUser({ externalId: "TAKEN-1" })).externalId).toBe("TAKEN-1");
  });

  it("still names the email when the email is what is taken", async () => {
    const first = await newUser({ externalId: "email-clash-a" });
    const res = await api.post("/api/v1/users", { email: first.email, externalId: "email-clash-b" });
    expect(res.status).toBe(409);
    expect(res.body.error.field).toBe("email");
  });
});

describe("ext:<external id> in place of :userId", () => {
  it("works on every :userId route, URL-encoded, and means the same user as the numeric id", async () => {
    const externalId = "acct/42 ?&%é";
    const user = await newUser({ externalId }, 1000);
    const p = `/api/v1/users/${ext(externalId)}`;
    const usage = { key: api.keys.usage };

    expect((await api.get(p, usage)).body).toMatchObject({ id: user.id, externalId, balance: 1000 });
    expect((await api.get(`${p}/balance`, usage)).body).toMatchObject({ userId: user.id, balance: 1000 });
    const grant = await api.post(`${p}/grants`, { amount: 50, type: "promotional" });
    expect(grant.status).toBe(201);
    expect(grant.body.grant.userId).toBe(user.id);
    expect((await api.get(`${p}/grants`, usage)).body.data).toHaveLength(2);
    const deduction = await api.post(`${p}/deductions`, { amount: 30 }, usage);
    expect(deduction.status).toBe(201);
    expect(deduction.body.balance).toBe(1020);
    const adjustment = await api.post(`${p}/adjustments`, { amount: -20, reason: "correction" });
    expect(adjustment.status).toBe(201);
    expect(adjustment.body.balance).toBe(1000);
    const ledger = await api.get(`${p}/ledger`, usage);
    expect(ledger.body.entries.map((e: { amount: number }) => e.amount)).toEqual([-20, -30, 50, 1000]);
    const patched = await api.patch(p, { name: "Via ext" });
    expect(patched.body).toMatchObject({ id: user.id, name: "Via ext" });
    // Routes added by others get the same resolution (it is the router's, not each endpoint's).
    const hold = await api.post(`${p}/holds`, { amount: 100 }, usage);
    expect(hold.status, hold.text).toBe(201);
    expect(hold.body).toMatchObject({ hold: { userId: user.id, amount: 100 }, balance: 900, held: 100 });
  });

  it("shares the Idempotency-Key scope with the numeric id: a replay through the other path answers the original", async () => {
    const user = await newUser({ externalId: "idem-ext" }, 100);
    const first = await api.post(`/api/v1/users/${user.id}/deductions`, { amount: 7 }, { idempotencyKey: "same" });
    const before = api.counts();
    const replay = await api.post(`/api/v1/users/ext:idem-ext/deductions`, { amount: 7 }, { idempotencyKey: "same" });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    expect(api.counts()).toEqual(before);
  });

  it.each([
    ["an unknown external id", "ext:nobody-has-this"],
    ["an empty external id", "ext:"],
    ["an external id with a control character", `ext:${encodeURIComponent("a\nb")}`],
    ["an external id over 255 characters", `ext:${"x".repeat(256)}`],
  ])("answers 404 not_found for %s, writing nothing", async (_name, ref) => {
    const before = api.counts();
    for (const [method, suffix, body] of [
      ["GET", "", undefined],
      ["GET", "/balance", undefined],
      ["GET", "/ledger", undefined],
      ["GET", "/grants", undefined],
      ["POST", "/deductions", { amount: 1 }],
      ["POST", "/grants", { amount: 1, type: "topup" }],
      ["POST", "/adjustments", { amount: 1, reason: "x" }],
      ["POST", "/holds", { amount: 1 }],
      ["PATCH", "", { name: "x" }],
    ] as const) {
      const res = await api.call(method, `/api/v1/users/${ref}${suffix}`, { body });
      expect(res.status, `${method} ${suffix}`).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    expect(api.counts()).toEqual(before);
  });

  it("checks the key before looking the external id up: 401 without one, 403 for a usage key on an admin route", async () => {
    await newUser({ externalId: "auth-first" });
    expect((await api.get("/api/v1/users/ext:auth-first", { key: null })).status).toBe(401);
    expect((await api.get("/api/v1/users/ext:nobody", { key: null })).status).toBe(401);
    const res = await api.patch("/api/v1/users/ext:auth-first", { name: "x" }, { key: api.keys.usage });
    expect(res.status).toBe(403);
  });

  it("keeps answering 404 for a numeric path id that is not a positive integer", async () => {
    expect((await api.get("/api/v1/users/ext1")).status).toBe(404);
    expect((await api.get("/api/v1/users/0")).status).toBe(404);
  });
});

describe("PATCH /api/v1/users/:userId", () => {
  it("sets name, externalId and lowBalanceThreshold, answers the user object and writes one audit row", async () => {
    const user = await newUser({ name: "Before" }, 40);
    const before = api.counts();
    const res = await api.patch(`/api/v1/users/${user.id}`, {
      name: "After",
      externalId: "patched-1",
      lowBalanceThreshold: 25,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      id: user.id,
      email: user.email,
      name: "After",
      externalId: "patched-1",
      lowBalanceThreshold: 25,
      balance: 40,
    });
    expect(api.counts()).toEqual({ ...before, audit: before.audit + 1 });
    const audit = api.db.$client
      .prepare("select actor, action, subject, details from audit_log order by id desc limit 1")
      .get() as { actor: string; action: string; subject: string; details: string };
    expect(audit).toMatchObject({ action: "user.updated", subject: `user:${user.id}` });
    expect(audit.actor).toMatch(/^api_key:\d+$/);
    expect(JSON.parse(audit.details)).toEqual({
      name: { from: "Before", to: "After" },
      externalId: { from: null, to: "patched-1" },
      lowBalanceThreshold: { from: null, to: 25 },
    });
    expect((await api.get("/api/v1/users/ext:patched-1")).body.id).toBe(user.id);
  });

  it("leaves absent fields alone and resets fields sent as null (no name, no external id, the default threshold)", async () => {
    const user = await newUser({ name: "Keep", externalId: "reset-me" });
    await api.patch(`/api/v1/users/${user.id}`, { lowBalanceThreshold: 0 });
    const only = await api.get(`/api/v1/users/${user.id}`);
    expect(only.body).toMatchObject({ name: "Keep", externalId: "reset-me", lowBalanceThreshold: 0 });
    const reset = await api.patch(`/api/v1/users/${user.id}`, {
      name: null,
      externalId: null,
      lowBalanceThreshold: null,
    });
    expect(reset.body).toMatchObject({ name: "", externalId: null, lowBalanceThreshold: null });
    expect((await api.get("/api/v1/users/ext:reset-me")).status).toBe(404);
  });

  it("moves an external id: the old one no longer resolves, the new one does", async () => {
    const user = await newUser({ externalId: "old-ext" });
    await api.patch(`/api/v1/users/ext:old-ext`, { externalId: "new-ext" });
    expect((await api.get("/api/v1/users/ext:old-ext")).status).toBe(404);
    expect((await api.get("/api/v1/users/ext:new-ext")).body.id).toBe(user.id);
  });

  it("answers 200 and writes nothing when nothing changes", async () => {
    const user = await newUser({ name: "Same" });
    const before = api.counts();
    const res = await api.patch(`/api/v1/users/${user.id}`, { name: "Same" });
    expect(res.status).toBe(200);
    expect(api.counts()).toEqual(before);
  });

  it.each([
    ["a negative threshold", { lowBalanceThreshold: -1 }, "lowBalanceThreshold"],
    ["a fractional threshold", { lowBalanceThreshold: 1.5 }, "lowBalanceThreshold"],
    ["a threshold as a string", { lowBalanceThreshold: "5" }, "lowBalanceThreshold"],
    ["an empty externalId", { externalId: "" }, "externalId"],
    ["an externalId with a tab", { externalId: "a\tb" }, "externalId"],
    ["a name over 200 characters", { name: "x".repeat(201) }, "name"],
  ])("refuses %s with 400 naming the field, writing nothing", async (_name, body, field) => {
    const user = await newUser({ name: "Untouched" });
    const before = api.counts();
    const res = await api.patch(`/api/v1/users/${user.id}`, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_request", field });
    expect(api.counts()).toEqual(before);
    expect((await api.get(`/api/v1/users/${user.id}`)).body).toMatchObject({ name: "Untouched" });
  });

  it("answers 409 conflict for an external id another user has, writing nothing", async () => {
    await newUser({ externalId: "patch-taken" });
    const user = await newUser();
    const before = api.counts();
    const res = await api.patch(`/api/v1/users/${user.id}`, { name: "Changed", externalId: "patch-taken" });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "conflict", field: "externalId" });
    expect(api.counts()).toEqual(before);
    expect((await api.get(`/api/v1/users/${user.id}`)).body.name).toBe("");
  });

  it("answers 404 for an unknown user and 403 for a usage key", async () => {
    expect((await api.patch("/api/v1/users/999999", { name: "x" })).status).toBe(404);
    const user = await newUser();
    expect((await api.patch(`/api/v1/users/${user.id}`, { name: "x" }, { key: api.keys.usage })).status).toBe(403);
  });
});

describe("GET /api/v1/users?q=&limit=&cursor=", () => {
  // Users with a marker of their own, so other tests' users never match.
  const marker = `srch${Date.now().toString(36)}`;
  let ids: { byEmail: number; byName: number; byExt: number; percent: number; underscore: number };

  beforeAll(async () => {
    ids = {
      byEmail: (await newUser({ email: `${marker}-mail@example.com` })).id,
      byName: (await newUser({ name: `Name ${marker.toUpperCase()}` })).id,
      byExt: (await newUser({ externalId: `crm-${marker}` }, 12)).id,
      percent: (await newUser({ name: `${marker} 100% sure` })).id,
      underscore: (await newUser({ name: `${marker} snake_case` })).id,
    };
    // Made directly: no API call can name a user "…\\…" without the search still finding it literally.
    createUser(api.ctx, { email: email(), name: `${marker} back\\slash` });
  });

  const search = (query: string, key = api.keys.admin) => api.get(`/api/v1/users?${query}`, { key });
  const idsOf = (res: { body: { data: { id: number }[] } }) => res.body.data.map((u) => u.id);

  it("finds users by part of their email, name or external id, case-insensitively, newest first", async () => {
    const res = await search(`q=${marker}`);
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    expect(idsOf(res)).toHaveLength(6);
    expect(idsOf(res)).toEqual([...idsOf(res)].sort((a, b) => b - a));
    expect(idsOf(await search(`q=${marker}-MAIL`))).toEqual([ids.byEmail]);
    expect(idsOf(await search(`q=name%20${marker}`))).toEqual([ids.byName]);
    const byExt = await search(`q=crm-${marker}`);
    expect(byExt.body.data).toEqual([
      {
        id: ids.byExt,
        email: expect.any(String),
        name: "",
        externalId: `crm-${marker}`,
        lowBalanceThreshold: null,
        balance: 12,
      },
    ]);
  });

  it("treats % and _ in q as themselves, not as LIKE wildcards", async () => {
    expect(idsOf(await search(`q=${encodeURIComponent(`${marker} 100%`)}`))).toEqual([ids.percent]);
    expect(idsOf(await search(`q=${encodeURIComponent(`${marker} snake_`)}`))).toEqual([ids.underscore]);
    expect(idsOf(await search(`q=${encodeURIComponent(`${marker}%`)}`))).toEqual([]);
    expect(idsOf(await search(`q=${encodeURIComponent(`${marker}_`)}`))).toEqual([]);
    expect((await search(`q=${encodeURIComponent(`${marker} back\\`)}`)).body.data).toHaveLength(1);
  });

  it("pages with limit and an opaque cursor through every match exactly once", async () => {
    const all = idsOf(await search(`q=${marker}`));
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof search>> = await search(
        `q=${marker}&limit=4${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      seen.push(...idsOf(page));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(all);
  });

  it("lists everyone without q, 50 by default and at most 100", async () => {
    for (let i = 0; i < 50; i++) createUser(api.ctx, { email: `bulk${i}-${Date.now()}@example.com` });
    const res = await search("");
    expect(res.body.data).toHaveLength(50);
    expect(res.body.nextCursor).toEqual(expect.any(String));
    expect((await search("limit=100")).body.data.length).toBeGreaterThan(50);
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=ten", "limit"],
    ["cursor=not-a-cursor", "cursor"],
    [`cursor=${"A".repeat(300)}`, "cursor"],
    [`q=${"x".repeat(256)}`, "q"],
  ])("answers 400 for %s", async (query, field) => {
    const res = await search(query);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_request", field });
  });

  it("refuses a cursor from another list", async () => {
    const user = await newUser({}, 0);
    for (let i = 0; i < 3; i++) grantCredits(api.ctx, { userId: user.id, type: "topup", amount: 1, source: "admin" });
    const grants = await api.get(`/api/v1/users/${user.id}/grants?limit=1`);
    const res = await search(`cursor=${grants.body.nextCursor}`);
    expect(res.status).toBe(400);
  });

  it("is for admin keys only", async () => {
    expect((await search(`q=${marker}`, api.keys.usage)).status).toBe(403);
    expect((await api.get(`/api/v1/users?q=${marker}`, { key: null })).status).toBe(401);
  });
});
