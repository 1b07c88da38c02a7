import { eq } from "drizzle-orm";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { auditLog, sessions } from "../../db/schema";
import { testContext } from "../../test/db";
import { MS_PER_DAY } from "../utils/clock";
import {
  SESSION_TTL_DAYS,
  beginSession,
  clearSessionCookie,
  commitSessionCookie,
  createSession,
  endSession,
  findSessionUser,
  getOptionalUser,
  readSessionToken,
  requireUser,
  revokeSession,
  revokeUserSessions,
  safeRedirect,
  secureCookiesFor,
  sessionCookie,
} from "./session.server";
import { createUser } from "./users.server";

const contexts: ReturnType<typeof testContext>[] = [];
function setup(env: Record<string, string> = {}) {
  const ctx = testContext({ SESSION_SECRET: "unit-test-session-secret", ...env });
  contexts.push(ctx);
  const user = createUser(ctx, { email: "ada@example.com", name: "Ada" });
  return { ctx, user };
}
afterEach(() => {
  for (const ctx of contexts.splice(0)) closeDatabase(ctx.db);
});

/** The `name=value` part of a Set-Cookie header, as a browser would send it back. */
function cookieHeader(setCookie: string): string {
  return setCookie.split(";")[0];
}

function requestWith(cookie?: string, url = "http://localhost/credits"): Request {
  return new Request(url, { headers: cookie ? { Cookie: cookie } : {} });
}

describe("session records", () => {
  it("creates a random 32-byte token and stores only its hash", () => {
    const { ctx, user } = setup();
    const a = createSession(ctx, { userId: user.id });
    const b = createSession(ctx, { userId: user.id });
    expect(Buffer.from(a.token, "base64url")).toHaveLength(32);
    expect(a.token).not.toBe(b.token);
    const ids = ctx.db
      .select({ id: sessions.id })
      .from(sessions)
      .all()
      .map((r) => r.id);
    expect(ids).toHaveLength(2);
    expect(ids).not.toContain(a.token);
    expect(findSessionUser(ctx, a.token)?.id).toBe(user.id);
  });

  it("finds nobody for an unknown token", () => {
    const { ctx } = setup();
    expect(findSessionUser(ctx, "A".repeat(43))).toBeNull();
  });

  it("expires a session 30 days after it was created", () => {
    const { ctx, user } = setup();
    const s = createSession(ctx, { userId: user.id });
    expect(s.expiresAt.getTime() - ctx.clock.now().getTime()).toBe(SESSION_TTL_DAYS * MS_PER_DAY);
    ctx.clock.advance(SESSION_TTL_DAYS * MS_PER_DAY - 1);
    expect(findSessionUser(ctx, s.token)?.id).toBe(user.id);
    ctx.clock.advance(1);
    expect(findSessionUser(ctx, s.token)).toBeNull();
  });

  it("stops finding a revoked session, and revoking twice reports nothing to revoke", () => {
    const { ctx, user } = setup();
    const s = createSession(ctx, { userId: user.id });
    expect(revokeSession(ctx, s.token)).toBe(true);
    expect(findSessionUser(ctx, s.token)).toBeNull();
    expect(revokeSession(ctx, s.token)).toBe(false);
  });

  it("revokes every session of one user and leaves other users' sessions alone", () => {
    const { ctx, user } = setup();
    const other = createUser(ctx, { email: "grace@example.com" });
    const mine = [1, 2].map(() => createSession(ctx, { userId: user.id }));
    const theirs = createSession(ctx, { userId: other.id });
    expect(revokeUserSessions(ctx, user.id)).toBe(2);
    for (const s of mine) expect(findSessionUser(ctx, s.token)).toBeNull();
    expect(findSessionUser(ctx, theirs.token)?.id).toBe(other.id);
  });
});

describe("the session cookie", () => {
  it("is HttpOnly, SameSite=Lax, signed, and not Secure over plain http", async () => {
    const { ctx, user } = setup({
      NODE_ENV: "production",
      DEMO: "1",
      SESSION_SECRET: "s".repeat(32),
      APP_URL: "http://localhost:3210",
    });
    const setCookie = await commitSessionCookie(ctx.env, createSession(ctx, { userId: user.id }));
    expect(setCookie).toMatch(/^session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).toMatch(/Expires=/);
    expect(setCookie).not.toMatch(/Secure/i);
  });

  it("is Secure (and __Host- prefixed) in production over https only", async () => {
    expect(secureCookiesFor({ NODE_ENV: "production", appUrl: "https://credits.example.com" })).toBe(true);
    expect(secureCookiesFor({ NODE_ENV: "production", appUrl: "http://localhost:3210" })).toBe(false);
    expect(secureCookiesFor({ NODE_ENV: "development", appUrl: "https://credits.example.com" })).toBe(false);
    const { ctx, user } = setup({
      NODE_ENV: "production",
      DEMO: "1",
      SESSION_SECRET: "s".repeat(32),
      APP_URL: "https://credits.example.com",
    });
    const setCookie = await commitSessionCookie(ctx.env, createSession(ctx, { userId: user.id }));
    expect(setCookie).toMatch(/^__Host-session=/);
    expect(setCookie).toMatch(/; Secure/i);
  });

  it("ignores a cookie whose signature does not match the secret", async () => {
    const { ctx, user } = setup();
    const s = createSession(ctx, { userId: user.id });
    const forged = `session=${Buffer.from(JSON.stringify(s.token)).toString("base64")}`;
    expect(await readSessionToken(requestWith(forged), ctx.env)).toBeNull();
    const other = testContext({ SESSION_SECRET: "a-different-session-secret" });
    contexts.push(other);
    const signedElsewhere = cookieHeader(await sessionCookie(other.env).serialize(s.token));
    expect(await readSessionToken(requestWith(signedElsewhere), ctx.env)).toBeNull();
    expect(await readSessionToken(requestWith(cookieHeader(await commitSessionCookie(ctx.env, s))), ctx.env)).toBe(
      s.token,
    );
  });

  it("is cleared with an expiry in the past", async () => {
    const { ctx } = setup();
    expect(await clearSessionCookie(ctx.env)).toMatch(/Max-Age=0/);
  });
});

describe("requireUser and getOptionalUser", () => {
  it("returns the public user for a live session and never the password hash", async () => {
    const { ctx, user } = setup();
    const cookie = cookieHeader(await commitSessionCookie(ctx.env, createSession(ctx, { userId: user.id })));
    const got = await requireUser(requestWith(cookie), ctx);
    expect(got).toEqual({ id: user.id, email: "ada@example.com", name: "Ada", role: "customer", creditBalance: 0 });
    expect(got).not.toHaveProperty("passwordHash");
  });

  it("redirects an anonymous visitor to the login page and back to where they were", async () => {
    const { ctx } = setup();
    const thrown = await requireUser(requestWith(undefined, "http://localhost/credits?page=2"), ctx).catch((e) => e);
    expect(thrown).toBeInstanceOf(Response);
    expect(thrown.status).toBe(302);
    expect(thrown.headers.get("Location")).toBe("/login?redirectTo=%2Fcredits%3Fpage%3D2");
    expect(await getOptionalUser(requestWith(), ctx)).toBeNull();
  });

  it("treats an expired session like no session and clears its cookie", async () => {
    const { ctx, user } = setup();
    const cookie = cookieHeader(await commitSessionCookie(ctx.env, createSession(ctx, { userId: user.id })));
    ctx.clock.advance(31 * MS_PER_DAY);
    const thrown = await requireUser(requestWith(cookie), ctx).catch((e) => e);
    expect(thrown.status).toBe(302);
    expect(thrown.headers.get("Set-Cookie")).toMatch(/Max-Age=0/);
  });
});

describe("beginSession and endSession", () => {
  it("issues a new session on login, revokes the one the request carried, and audits it", async () => {
    const { ctx, user } = setup();
    const old = createSession(ctx, { userId: user.id });
    const oldCookie = cookieHeader(await commitSessionCookie(ctx.env, old));
    const setCookie = await beginSession(ctx, requestWith(oldCookie), user, { action: "user.login" });
    const token = await readSessionToken(requestWith(cookieHeader(setCookie)), ctx.env);
    expect(token).not.toBeNull();
    expect(token).not.toBe(old.token);
    expect(findSessionUser(ctx, token!)?.id).toBe(user.id);
    expect(findSessionUser(ctx, old.token)).toBeNull();
    const audit = ctx.db.select().from(auditLog).where(eq(auditLog.action, "user.login")).all();
    expect(audit).toMatchObject([{ actor: `user:${user.id}`, subject: `user:${user.id}` }]);
  });

  it("revokes the session server-side on logout, so a saved copy of the cookie stops working", async () => {
    const { ctx, user } = setup();
    const cookie = cookieHeader(await beginSession(ctx, requestWith(), user, { action: "user.login" }));
    expect((await getOptionalUser(requestWith(cookie), ctx))?.id).toBe(user.id);
    const cleared = await endSession(ctx, requestWith(cookie));
    expect(cleared).toMatch(/Max-Age=0/);
    expect(await getOptionalUser(requestWith(cookie), ctx)).toBeNull();
    const row = ctx.db.select().from(sessions).get();
    expect(row?.revokedAt?.getTime()).toBe(ctx.clock.now().getTime());
    expect(ctx.db.select().from(auditLog).where(eq(auditLog.action, "user.logout")).all()).toHaveLength(1);
  });
});

describe("safeRedirect", () => {
  const app = "https://credits.example";

  it("keeps paths on this site, as a path", () => {
    expect(safeRedirect("/admin?tab=1", app)).toBe("/admin?tab=1");
    expect(safeRedirect("/billing#plans", app)).toBe("/billing#plans");
    expect(safeRedirect("https://credits.example/credits?x=1", app)).toBe("/credits?x=1");
  });

  it("refuses anything that could leave the site, however it is spelled", () => {
    for (const bad of [
      "//evil.example",
      "/\\evil.example",
      "/\t/evil.example", // a browser strips the tab: //evil.example
      "/\n/evil.example",
      "/\r\n/evil.example",
      "\\\\evil.example",
      " //evil.example",
      "/%09/evil.example".replace("%09", "\u0000"),
      "https://evil.example",
      "https://credits.example.evil.example/",
      "http://credits.example/credits", // another origin: the scheme differs
      "javascript:alert(1)",
      // URL parsing removes the dot segments: each of these resolves to the path //evil.example.
      "/.//evil.example",
      "/..//evil.example",
      "/x/..//evil.example",
      "/%2e//evil.example",
      "/%2E%2E//evil.example",
      "/./\\evil.example",
      "",
      null,
      undefined,
    ]) {
      expect(safeRedirect(bad, app), JSON.stringify(bad)).toBe("/credits");
    }
  });
});

describe("safeRedirect over generated paths", () => {
  const app = "https://credits.example";
  // Pieces an attacker mixes: dot segments (plain and percent-encoded), slashes and backslashes,
  // control characters, encodings of those, and ordinary path text.
  const piece = fc.constantFrom(
    "/",
    "//",
    "\\",
    ".",
    "..",
    "%2e",
    "%2E",
    "%2e%2e",
    "%2f",
    "%2F",
    "%5c",
    "%5C",
    "%09",
    "%00",
    "\t",
    "\n",
    "\r",
    "\u0000",
    "\u007f",
    " ",
    "@",
    ":",
    "?",
    "#",
    "evil.example",
    "x",
    "credits",
    "https:",
    "http:",
    "javascript:",
    "%252f",
    "\u3002",
    "\uff0e",
    "\uff0f",
  );
  const candidate = fc.oneof(
    fc.array(piece, { maxLength: 10 }).map((parts) => parts.join("")),
    fc.array(piece, { maxLength: 10 }).map((parts) => `/${parts.join("")}`),
    fc.string({ maxLength: 30 }),
  );

  it("never gives a path a browser would take off this site", () => {
    fc.assert(
      fc.property(candidate, (to) => {
        const out = safeRedirect(to, app);
        // What the browser does with the Location header: strip tabs and newlines, resolve against the page.
        const followed = new URL(out.replace(/[\t\n\r]/g, ""), app);
        expect(followed.origin).toBe(app);
        expect(out.startsWith("/")).toBe(true);
        expect(/^\/[/\\]/.test(out)).toBe(false);
        // eslint-disable-next-line no-control-regex -- the answer must carry no control characters
        expect(/[\u0000-\u001f\u007f\\]/.test(out)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });
});
