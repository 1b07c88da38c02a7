/**
 * Issue 22 ("edges, round two") against the production bundle (build/node/server.js, DEMO=1):
 * redirects, unreadable form bodies on every page, CSV cells, role changes, login lockout per
 * source, and the smaller headers and reasons. TRUST_PROXY=1 lets a test speak from any address
 * through X-Forwarded-For, as a proxy in front of the app would.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProductionServer, type ProductionServer } from "../../test/production-server";
import { repoRoot } from "../../test/server-process";
import { DEMO_LOGINS } from "./demo-seed.server";

let server: ProductionServer;

beforeAll(async () => {
  server = await startProductionServer({ TRUST_PROXY: "1" });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

interface Sent {
  status: number;
  location: string | null;
  headers: Headers;
  text: string;
  cookies: string[];
}

async function send(
  pathname: string,
  init: { method?: string; body?: string; type?: string | null; cookie?: string; ip?: string } = {},
): Promise<Sent> {
  const headers: Record<string, string> = { origin: server.base };
  if (init.type) headers["content-type"] = init.type;
  if (init.cookie) headers.cookie = init.cookie;
  if (init.ip) headers["x-forwarded-for"] = init.ip;
  const res = await fetch(`${server.base}${pathname}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    body: init.body,
    redirect: "manual",
  });
  return {
    status: res.status,
    location: res.headers.get("location"),
    headers: res.headers,
    text: await res.text(),
    cookies: res.headers.getSetCookie().map((c) => c.split(";")[0]),
  };
}

const FORM = "application/x-www-form-urlencoded";

function post(pathname: string, fields: Record<string, string>, opts: { cookie?: string; ip?: string } = {}) {
  return send(pathname, { body: new URLSearchParams(fields).toString(), type: FORM, ...opts });
}

/** Logs in and returns the Cookie header (session and device). */
async function login(email: string, password: string, opts: { cookie?: string; ip?: string } = {}): Promise<string> {
  const res = await post("/login", { email, password }, opts);
  expect(res.status, res.text).toBe(302);
  return res.cookies.join("; ");
}

let users = 0;
async function signUp(
  opts: { ip?: string } = {},
): Promise<{ email: string; password: string; cookie: string; id: number }> {
  const email = `edges-${process.pid}-${++users}@example.com`;
  const password = "a long enough password 123";
  const res = await post("/signup", { email, name: "Edge", password }, opts);
  expect(res.status, res.text).toBe(302);
  const id = server.db.$client.prepare("select id from users where email = ?").pluck().get(email) as number;
  return { email, password, cookie: res.cookies.join("; "), id };
}

const userId = (email: string) =>
  server.db.$client.prepare("select id from users where email = ?").pluck().get(email) as number;
const roleOf = (id: number) =>
  server.db.$client.prepare("select role from users where id = ?").pluck().get(id) as string;

describe("redirects after login and sign-up (bullet 1)", () => {
  const BYPASSES = ["/.//evil.example", "/..//evil.example", "/x/..//evil.example", "/%2e%2e//evil.example"];

  it("never answers a Location off the site, on POST or on GET for a signed-in user", async () => {
    for (const to of BYPASSES) {
      const res = await post("/login", {
        email: DEMO_LOGINS.customer.email,
        password: DEMO_LOGINS.customer.password,
        redirectTo: to,
      });
      expect(res.status, to).toBe(302);
      expect(res.location, to).toBe("/credits");
      const cookie = res.cookies.join("; ");
      for (const page of ["/login", "/signup"]) {
        const again = await send(`${page}?redirectTo=${encodeURIComponent(to)}`, { cookie });
        expect(again.status, `${page} ${to}`).toBe(302);
        expect(again.location, `${page} ${to}`).toBe("/credits");
      }
    }
    const signup = await post("/signup", {
      email: `edges-redirect-${process.pid}@example.com`,
      name: "R",
      password: "a long enough password 123",
      redirectTo: "/x/..//evil.example",
    });
    expect(signup.status).toBe(302);
    expect(signup.location).toBe("/credits");
  }, 60_000);

  it("still goes back to a page on this site", async () => {
    const res = await post("/login", {
      email: DEMO_LOGINS.customer.email,
      password: DEMO_LOGINS.customer.password,
      redirectTo: "/billing?tab=1",
    });
    expect(res.location).toBe("/billing?tab=1");
  });
});

/** Every page route (app/routes outside api.*) and a URL that reaches its action. */
const PAGE_ROUTES: Record<string, (ids: { customer: number; planId: number }) => string> = {
  "_index.tsx": () => "/?index",
  "account.tsx": () => "/account",
  "admin._index.tsx": () => "/admin?index",
  "admin.api-keys.tsx": () => "/admin/api-keys",
  "admin.audit.tsx": () => "/admin/audit",
  "admin.customers.$userId.tsx": ({ customer }) => `/admin/customers/${customer}`,
  "admin.customers.$userId_.ledger[.]csv.ts": ({ customer }) => `/admin/customers/${customer}/ledger.csv`,
  "admin.customers._index.tsx": () => "/admin/customers?index",
  "admin.events.tsx": () => "/admin/events",
  "admin.events_.$eventId.tsx": () => "/admin/events/evt_unknown",
  "admin.import.tsx": () => "/admin/import",
  "admin.outbox.tsx": () => "/admin/outbox",
  "admin.plans_.$kind.$id.tsx": ({ planId }) => `/admin/plans/subscription/${planId}`,
  "admin.plans_.new.tsx": () => "/admin/plans/new",
  "admin.plans.tsx": () => "/admin/plans",
  "admin.reports.tsx": () => "/admin/reports",
  "admin.reports[.]csv.ts": () => "/admin/reports.csv",
  "admin.reports_.features[.]csv.ts": () => "/admin/reports/features.csv",
  "admin.features.tsx": () => "/admin/features",
  "admin.features_.$key.tsx": () => "/admin/features/no-such-feature",
  "admin.tsx": () => "/admin",
  "admin.webhooks.tsx": () => "/admin/webhooks",
  "admin.webhooks_.$id.tsx": () => "/admin/webhooks/999999",
  "billing._index.tsx": () => "/billing?index",
  "billing.success.tsx": () => "/billing/success",
  "billing.tsx": () => "/billing",
  "credits.tsx": () => "/credits",
  "credits_.history[.]csv.ts": () => "/credits/history.csv",
  "docs.api.tsx": () => "/docs/api",
  "forgot-password.tsx": () => "/forgot-password",
  "login.tsx": () => "/login",
  "logout.tsx": () => "/logout",
  "reset-password.tsx": () => "/reset-password",
  "signup.tsx": () => "/signup",
};

describe("form bodies a page cannot read (bullet 2)", () => {
  it("lists every page route (a new route must be added here)", () => {
    const files = fs
      .readdirSync(path.join(repoRoot, "app/routes"))
      .filter((f) => /\.tsx?$/.test(f) && !f.startsWith("api."));
    expect(Object.keys(PAGE_ROUTES).sort()).toEqual(files.sort());
  });

  it("answers every page 4xx for an empty, untyped or wrongly typed body, never 500, signed in or not", async () => {
    const admin = await login(DEMO_LOGINS.admin.email, DEMO_LOGINS.admin.password);
    const ids = {
      customer: userId(DEMO_LOGINS.customer.email),
      planId: server.db.$client.prepare("select min(id) from subscription_plans").pluck().get() as number,
    };
    const bodies: { what: string; body?: string; type?: string }[] = [
      { what: "empty, no Content-Type" },
      { what: "empty string, no Content-Type", body: "" },
      { what: "a form without its Content-Type", body: "email=a%40b.c&intent=adjust" },
      { what: "JSON", body: '{"intent":"adjust"}', type: "application/json" },
      { what: "text/plain", body: "intent=adjust", type: "text/plain" },
      { what: "multipart", body: "--x\r\nnot multipart", type: "multipart/form-data; boundary=y" },
      { what: "a form-urlencoded look-alike", body: "intent=adjust", type: "application/x-www-form-urlencodedX" },
    ];
    for (const [file, url] of Object.entries(PAGE_ROUTES)) {
      for (const cookie of [admin, undefined]) {
        for (const b of bodies) {
          const res = await send(url(ids), { method: "POST", body: b.body, type: b.type, cookie });
          expect(res.status, `${file}: ${b.what}${cookie ? " (admin)" : ""}`).toBe(415);
        }
        // An empty form with the right type is readable: each page answers it (logout logs out).
        if (file === "logout.tsx") continue;
        const empty = await send(url(ids), { method: "POST", body: "", type: FORM, cookie });
        expect(empty.status, `${file}: empty form${cookie ? " (admin)" : ""}`).toBeLessThan(500);
        // Signed in, the login and sign-up pages send the visitor on (302) as on any visit.
        // Signed out, a page for members sends the visitor to log in first (302).
        const answers = cookie
          ? ["login.tsx", "signup.tsx"].includes(file)
            ? [302]
            : [400, 404, 405, 409]
          : [302, 400, 404, 405];
        expect(answers, `${file}: empty form${cookie ? " (admin)" : ""}`).toContain(empty.status);
      }
    }
    expect(server.output()).not.toContain('"level":"error"');
  }, 120_000);
});

/** RFC 4180 cells of a CSV text, as written (quotes kept), one array per line. */
function rawCells(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const ch = csv[i];
    if (quoted) {
      cell += ch;
      if (ch === '"' && csv[i + 1] === '"') cell += csv[++i];
      else if (ch === '"') quoted = false;
    } else if (ch === '"') {
      quoted = true;
      cell += ch;
    } else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && csv[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

const PLAIN = /^(-?\d+(\.\d+)?|\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)$/;

/** What a spreadsheet could run or split: an unquoted ; or tab, or a formula that is not a plain value. */
function unsafeCells(csv: string): string[] {
  return rawCells(csv)
    .flat()
    .filter((raw) => {
      const quoted = raw.startsWith('"');
      if (!quoted && /[;\t]/.test(raw)) return true;
      const value = quoted ? raw.slice(1, -1).replaceAll('""', '"') : raw;
      return !PLAIN.test(value) && /^(\s*[=+\-@]|[\t\r])/.test(value);
    });
}

describe("CSV exports (bullet 3)", () => {
  it("quote and neutralise the customer's history, the admin ledger and the reports", async () => {
    const owner = await signUp();
    const reasons = ["render;=1+1;", '  =HYPERLINK("http://evil.example")', "\t+1", "@SUM(A1)", "-2+3", "a,b\nc"];
    const granted = await server.post(`/api/v1/users/${owner.id}/grants`, { amount: 100, type: "promotional" });
    expect(granted.status, granted.text).toBe(201);
    let n = 0;
    for (const reason of reasons) {
      const res = await server.post(
        `/api/v1/users/${owner.id}/deductions`,
        { amount: 1, reason },
        { key: server.keys.usage, idempotencyKey: `edges-csv-${++n}` },
      );
      expect(res.status, res.text).toBe(201);
    }
    const history = await send("/credits/history.csv", { cookie: owner.cookie });
    const admin = await login(DEMO_LOGINS.admin.email, DEMO_LOGINS.admin.password);
    const ledger = await send(`/admin/customers/${owner.id}/ledger.csv`, { cookie: admin });
    const report = await send("/admin/reports.csv?days=30", { cookie: admin });
    for (const [name, csv] of [
      ["history", history],
      ["ledger", ledger],
      ["report", report],
    ] as const) {
      expect(csv.status, name).toBe(200);
      expect(csv.headers.get("cache-control"), name).toBe("no-store");
      expect(unsafeCells(csv.text), name).toEqual([]);
    }
    for (const csv of [history.text, ledger.text]) {
      expect(csv).toContain(`"render;=1+1;"`);
      expect(csv).toContain(`"'  =HYPERLINK(""http://evil.example"")"`);
      expect(csv).toContain(`"'\t+1"`);
      expect(csv).toMatch(/,'@SUM\(A1\)(,|\r\n)/);
      expect(csv).toMatch(/,'-2\+3(,|\r\n)/);
      expect(csv).toContain(`"a,b\nc"`);
      // Amounts stay numbers.
      expect(csv).toMatch(/,deduction,-1,/);
    }
    expect(report.text.split("\r\n")[1]).toMatch(/^\d{4}-\d{2}-\d{2},\d+,/);
  }, 60_000);
});

describe("role changes (bullet 4)", () => {
  it("are reviewed, then confirmed, and audited", async () => {
    const admin = await login(DEMO_LOGINS.admin.email, DEMO_LOGINS.admin.password);
    const b = await signUp();
    const review = await post(`/admin/customers/${b.id}`, { intent: "confirm-role", role: "admin" }, { cookie: admin });
    expect(review.status).toBe(200);
    expect(review.text).toContain(`Make ${b.email} an admin?`);
    expect(roleOf(b.id)).toBe("customer");
    // Skipping the review (no reviewed role) changes nothing.
    const skipped = await post(`/admin/customers/${b.id}`, { intent: "set-role", role: "admin" }, { cookie: admin });
    expect(skipped.status).toBe(400);
    expect(roleOf(b.id)).toBe("customer");
    const done = await post(
      `/admin/customers/${b.id}`,
      { intent: "set-role", role: "admin", from: "customer" },
      { cookie: admin },
    );
    expect(done.status).toBe(302);
    expect(roleOf(b.id)).toBe("admin");
    const audit = server.db.$client
      .prepare("select actor, details from audit_log where action = 'user.role_changed' and subject = ?")
      .all(`user:${b.id}`) as { actor: string; details: string }[];
    expect(audit).toEqual([
      { actor: `user:${userId(DEMO_LOGINS.admin.email)}`, details: JSON.stringify({ from: "customer", to: "admin" }) },
    ]);
    // A confirmation made stale by another change is refused.
    const stale = await post(
      `/admin/customers/${b.id}`,
      { intent: "set-role", role: "admin", from: "customer" },
      { cookie: admin },
    );
    expect(stale.status).toBe(409);
    // Demote B again so the other tests see one demo admin.
    await post(`/admin/customers/${b.id}`, { intent: "set-role", role: "customer", from: "admin" }, { cookie: admin });
    expect(roleOf(b.id)).toBe("customer");
  }, 60_000);

  it("leave at least one admin when two admins demote each other at once", async () => {
    const a = await signUp();
    const b = await signUp();
    server.db.$client.prepare("update users set role = 'admin' where id in (?, ?)").run(a.id, b.id);
    const adminsBefore = () =>
      server.db.$client.prepare("select count(*) from users where role = 'admin'").pluck().get() as number;
    // Only these two are admins: the demo admin steps aside for the test.
    const demoAdmin = userId(DEMO_LOGINS.admin.email);
    server.db.$client.prepare("update users set role = 'customer' where id = ?").run(demoAdmin);
    try {
      expect(adminsBefore()).toBe(2);
      const [aDemotesB, bDemotesA] = await Promise.all([
        post(`/admin/customers/${b.id}`, { intent: "set-role", role: "customer", from: "admin" }, { cookie: a.cookie }),
        post(`/admin/customers/${a.id}`, { intent: "set-role", role: "customer", from: "admin" }, { cookie: b.cookie }),
      ]);
      expect([aDemotesB.status, bDemotesA.status].filter((s) => s === 302)).toHaveLength(1);
      expect(adminsBefore()).toBe(1);
      const refused = aDemotesB.status === 302 ? bDemotesA : aDemotesB;
      expect([403, 409]).toContain(refused.status);
      const changes = server.db.$client
        .prepare("select count(*) from audit_log where action = 'user.role_changed' and subject in (?, ?)")
        .pluck()
        .get(`user:${a.id}`, `user:${b.id}`);
      expect(changes).toBe(1);
    } finally {
      server.db.$client.prepare("update users set role = 'admin' where id = ?").run(demoAdmin);
      server.db.$client.prepare("update users set role = 'customer' where id in (?, ?)").run(a.id, b.id);
    }
  }, 60_000);
});

describe("login lockout (bullet 5)", () => {
  const ATTACKER = "198.51.100.66";
  const OWNER = "192.0.2.10";

  function resetTokenFor(email: string): string {
    const text = server.db.$client
      .prepare("select text from mail_outbox where to_address = ? and kind = 'password_reset' order by id desc limit 1")
      .pluck()
      .get(email) as string;
    return decodeURIComponent(/reset-password\?token=([^\s&]+)/.exec(text)![1]);
  }

  it("lets the owner in from elsewhere, and from their own device anywhere, after a stranger's resets and guesses", async () => {
    const owner = await signUp({ ip: OWNER });
    const device = owner.cookie.split("; ").find((c) => c.startsWith("device="));
    expect(device).toBeDefined();

    for (let i = 0; i < 3; i++) {
      expect((await post("/forgot-password", { email: owner.email }, { ip: ATTACKER })).status).toBe(200);
    }
    expect((await post("/forgot-password", { email: owner.email }, { ip: ATTACKER })).status).toBe(429);
    for (let i = 0; i < 5; i++) {
      const res = await post(
        "/login",
        { email: owner.email, password: "wrong password, quite long" },
        { ip: ATTACKER },
      );
      expect(res.status).toBe(i < 4 ? 401 : 429);
    }
    // The stranger's own address is locked, even with the right password.
    expect((await post("/login", { email: owner.email, password: owner.password }, { ip: ATTACKER })).status).toBe(429);

    // A reset request never blocks login, and the owner can still ask for one.
    expect((await post("/forgot-password", { email: owner.email }, { ip: OWNER })).status).toBe(200);
    await login(owner.email, owner.password, { ip: OWNER });
    // Behind the stranger's address (one NAT), the owner's own device still gets in.
    await login(owner.email, owner.password, { ip: ATTACKER, cookie: device });
  }, 60_000);

  it("lifts every lock on the account once the owner resets by mail", async () => {
    const owner = await signUp({ ip: OWNER });
    for (let i = 0; i < 5; i++) {
      await post("/login", { email: owner.email, password: "wrong password, quite long" }, { ip: ATTACKER });
    }
    expect((await post("/login", { email: owner.email, password: owner.password }, { ip: ATTACKER })).status).toBe(429);
    expect((await post("/forgot-password", { email: owner.email }, { ip: ATTACKER })).status).toBe(200);
    const password = "the owner's new password, long";
    const reset = await post(
      "/reset-password",
      { token: resetTokenFor(owner.email), password, confirm: password },
      { ip: ATTACKER },
    );
    expect(reset.status).toBeLessThan(400);
    await login(owner.email, password, { ip: ATTACKER });
  }, 60_000);
});

describe("headers and reasons (bullet 8)", () => {
  it("sends Cache-Control: no-store on signed-in pages and CSVs, and a form-action CSP", async () => {
    const customer = await login(DEMO_LOGINS.customer.email, DEMO_LOGINS.customer.password);
    const admin = await login(DEMO_LOGINS.admin.email, DEMO_LOGINS.admin.password);
    for (const [p, cookie] of [
      ["/credits", customer],
      ["/billing", customer],
      ["/account", customer],
      ["/credits/history.csv", customer],
      ["/admin", admin],
      ["/admin/customers", admin],
      [`/admin/customers/${userId(DEMO_LOGINS.customer.email)}`, admin],
      ["/admin/reports.csv", admin],
      ["/credits?_data=routes%2Fcredits", customer],
    ] as const) {
      const res = await send(p, { cookie });
      expect(res.status, p).toBe(200);
      expect(res.headers.get("cache-control"), p).toBe("no-store");
    }
    const csp = (await send("/login")).headers.get("content-security-policy") ?? "";
    expect(csp).toContain("form-action 'self' https://checkout.stripe.com https://billing.stripe.com");
  });

  it("refuses reasons without a visible character, in the API and the admin forms, writing nothing", async () => {
    const owner = await signUp();
    const admin = await login(DEMO_LOGINS.admin.email, DEMO_LOGINS.admin.password);
    const before = server.counts();
    for (const reason of ["\u0000", "   ", "\u200b", "\t\n"]) {
      const adjust = await server.post(`/api/v1/users/${owner.id}/adjustments`, { amount: 5, reason });
      expect(adjust.status, JSON.stringify(reason)).toBe(400);
      expect(adjust.body.error.field).toBe("reason");
      const grant = await server.post(`/api/v1/users/${owner.id}/grants`, { amount: 5, type: "promotional", reason });
      expect(grant.status, JSON.stringify(reason)).toBe(400);
    }
    const grantId = server.db.$client
      .prepare("select id from credit_grants where user_id = ? limit 1")
      .pluck()
      .get(owner.id) as number | undefined;
    if (grantId !== undefined) {
      const voided = await server.post(`/api/v1/grants/${grantId}/void`, { reason: "\u0000" });
      expect(voided.status).toBe(400);
    }
    for (const fields of <Record<string, string>[]>[
      { intent: "adjust", amount: "5", reason: "\u0000", key: "edges-reason-0001" },
      { intent: "confirm-adjust", amount: "5", reason: "\u0000" },
      { intent: "grant", amount: "5", reason: " \u0000 ", key: "edges-reason-0002" },
    ]) {
      const res = await post(`/admin/customers/${owner.id}`, fields, { cookie: admin });
      expect(res.status, JSON.stringify(fields)).toBe(400);
    }
    expect(server.counts()).toEqual(before);
  }, 60_000);
});
