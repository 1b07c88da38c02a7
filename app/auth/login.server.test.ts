import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, users } from "../../db/schema";
import { useTestContexts, type TestContext } from "../../test/contexts";
import { action as loginAction } from "../routes/login";
import { action as logoutAction } from "../routes/logout";
import { action as signupAction } from "../routes/signup";
import { WRONG_LOGIN_MESSAGE } from "./login.server";
import { hashPassword, verifyPassword } from "./password.server";
import { getOptionalUser } from "./session.server";
import { startLoginAttempt } from "./throttle.server";
import { createUser, getUserByEmail } from "./users.server";

const testContext = useTestContexts();

const PASSWORD = "a perfectly good password";

async function setup() {
  const ctx = testContext({ SESSION_SECRET: "unit-test-session-secret" });
  // A cheap hash keeps these tests fast; the login upgrades it (tested below).
  const user = createUser(ctx, {
    email: "ada@example.com",
    name: "Ada",
    passwordHash: await hashPassword(PASSWORD, { log2N: 10 }),
  });
  return { ctx, user };
}

function formPost(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Request {
  return new Request(`http://localhost${path}`, { method: "POST", body: new URLSearchParams(fields), headers });
}

type DataResult = {
  data: { result: { error?: Record<string, string[]>; initialValue?: Record<string, unknown> } };
  init: ResponseInit | null;
};
function asData(result: unknown): DataResult {
  expect(result).not.toBeInstanceOf(Response);
  return result as DataResult;
}
function statusOf(result: unknown): number | undefined {
  return result instanceof Response ? result.status : (asData(result).init?.status ?? 200);
}

async function login(ctx: TestContext, fields: Record<string, string>, headers?: Record<string, string>) {
  return loginAction({ request: formPost("/login", fields, headers), context: ctx, params: {} });
}

async function signup(ctx: TestContext, fields: Record<string, string>) {
  return signupAction({ request: formPost("/signup", fields), context: ctx, params: {} });
}

/** The session cookie a response set, as a browser would send it back. */
function sessionCookieOf(res: unknown): string {
  return (res as Response).headers.get("Set-Cookie")!.split(";")[0];
}

function userOfCookie(ctx: TestContext, cookie: string) {
  return getOptionalUser(new Request("http://localhost/", { headers: { Cookie: cookie } }), ctx);
}

function audits(ctx: TestContext, action: string) {
  return ctx.db.select().from(auditLog).where(eq(auditLog.action, action)).all();
}

describe("logging in", () => {
  it("starts a session and sends the user where they were going", async () => {
    const { ctx, user } = await setup();
    const res = await login(ctx, { email: "ADA@example.com ", password: PASSWORD, redirectTo: "/admin?x=1" });
    expect(res).toBeInstanceOf(Response);
    const response = res as Response;
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/admin?x=1");
    const me = await userOfCookie(ctx, sessionCookieOf(response));
    expect(me?.id).toBe(user.id);
    expect(audits(ctx, "user.login")).toHaveLength(1);
  });

  it("never redirects off the site after login", async () => {
    const { ctx } = await setup();
    const res = (await login(ctx, {
      email: "ada@example.com",
      password: PASSWORD,
      redirectTo: "//evil.example/x",
    })) as Response;
    expect(res.headers.get("Location")).toBe("/credits");
  });

  it("answers a wrong password and an unknown email with the same generic message", async () => {
    const { ctx } = await setup();
    const wrong = await login(ctx, { email: "ada@example.com", password: "not the password" });
    const unknown = await login(ctx, { email: "nobody@example.com", password: PASSWORD });
    for (const result of [wrong, unknown]) {
      expect(statusOf(result)).toBe(401);
      expect(asData(result).data.result.error).toEqual({ "": [WRONG_LOGIN_MESSAGE] });
      // The email comes back to refill the form; the password never does.
      expect(asData(result).data.result.initialValue).not.toHaveProperty("password");
    }
  });

  it("asks for the missing fields without counting an attempt", async () => {
    const { ctx } = await setup();
    const result = await login(ctx, { email: "", password: "" });
    expect(statusOf(result)).toBe(400);
    expect(asData(result).data.result.error).toEqual({
      email: ["Enter your email address."],
      password: ["Enter your password."],
    });
  });

  it("locks the account after 5 failures with a 429, a Retry-After header and an audit row", async () => {
    const { ctx, user } = await setup();
    const statuses: (number | undefined)[] = [];
    let last: unknown;
    for (let i = 0; i < 5; i++) {
      last = await login(ctx, { email: "ada@example.com", password: `wrong ${i}` });
      statuses.push(statusOf(last));
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    expect(new Headers(asData(last).init?.headers).get("Retry-After")).toBe("900");
    expect(asData(last).data.result.error?.[""]?.[0]).toMatch(
      /Too many failed login attempts\. Try again in 15 minutes\./,
    );
    expect(audits(ctx, "user.login_locked")).toMatchObject([{ actor: "system", subject: `user:${user.id}` }]);

    // Even the right password is refused while locked, until the lock has passed.
    ctx.clock.advance(5 * 60_000);
    const locked = await login(ctx, { email: "ada@example.com", password: PASSWORD });
    expect(statusOf(locked)).toBe(429);
    expect(new Headers(asData(locked).init?.headers).get("Retry-After")).toBe("600");
    ctx.clock.advance(10 * 60_000);
    expect(statusOf(await login(ctx, { email: "ada@example.com", password: PASSWORD }))).toBe(302);
  });

  it("throttles by the client IP the server put in X-Forwarded-For", async () => {
    const { ctx } = await setup();
    for (let i = 0; i < 20; i++) startLoginAttempt(ctx, { email: `guess${i}@example.com`, ip: "203.0.113.9" });
    const blocked = await login(
      ctx,
      { email: "ada@example.com", password: PASSWORD },
      { "X-Forwarded-For": "203.0.113.9" },
    );
    expect(statusOf(blocked)).toBe(429);
    const elsewhere = await login(
      ctx,
      { email: "ada@example.com", password: PASSWORD },
      { "X-Forwarded-For": "203.0.113.10" },
    );
    expect(statusOf(elsewhere)).toBe(302);
  });

  it("upgrades a hash made at a lower cost to today's parameters on a successful login", async () => {
    const { ctx, user } = await setup();
    await login(ctx, { email: "ada@example.com", password: PASSWORD });
    const hash = ctx.db.select({ h: users.passwordHash }).from(users).where(eq(users.id, user.id)).get()!.h!;
    expect(hash.startsWith("scrypt$17$8$1$")).toBe(true);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
  });
});

describe("signing up", () => {
  it("creates a customer with a full-cost password hash, logs them in and audits it", async () => {
    const { ctx } = await setup();
    const res = await signup(ctx, { email: " Grace@Example.com", name: " Grace Hopper ", password: "twelve chars!" });
    expect(statusOf(res)).toBe(302);
    const created = getUserByEmail(ctx.db, "grace@example.com")!;
    expect(created).toMatchObject({ email: "grace@example.com", name: "Grace Hopper", role: "customer" });
    expect(created.passwordHash!.startsWith("scrypt$17$8$1$")).toBe(true);
    expect((await userOfCookie(ctx, sessionCookieOf(res)))?.id).toBe(created.id);
    expect(
      ctx.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, "user.signup"), eq(auditLog.subject, `user:${created.id}`)))
        .all(),
    ).toHaveLength(1);
  });

  it("reports a taken email on the email field, case-insensitively, and creates nothing", async () => {
    const { ctx } = await setup();
    const res = await signup(ctx, { email: "ADA@example.com", name: "Another Ada", password: "long enough password" });
    expect(statusOf(res)).toBe(409);
    expect(asData(res).data.result.error?.email?.[0]).toMatch(/already exists/);
    expect(ctx.db.select().from(users).all()).toHaveLength(1);
  });

  it("requires a valid email, a name and a password of at least 12 characters", async () => {
    const { ctx } = await setup();
    const res = await signup(ctx, { email: "not-an-email", name: "  ", password: "elevenchars" });
    expect(statusOf(res)).toBe(400);
    expect(asData(res).data.result.error).toEqual({
      email: ["Enter a valid email address, like name@example.com."],
      name: ["Enter your name."],
      password: ["Use at least 12 characters."],
    });
  });
});

describe("logging out", () => {
  it("revokes the session so the old cookie no longer logs anyone in", async () => {
    const { ctx, user } = await setup();
    const cookie = sessionCookieOf(await login(ctx, { email: "ada@example.com", password: PASSWORD }));
    const out = await logoutAction({
      request: new Request("http://localhost/logout", { method: "POST", headers: { Cookie: cookie } }),
      context: ctx,
      params: {},
    });
    expect(out.status).toBe(302);
    expect(out.headers.get("Location")).toBe("/");
    expect(out.headers.get("Set-Cookie")).toMatch(/Max-Age=0/);
    expect(await userOfCookie(ctx, cookie)).toBeNull();
    expect(audits(ctx, "user.logout")).toMatchObject([{ actor: `user:${user.id}` }]);
  });
});
