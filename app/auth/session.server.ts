import { createCookie, redirect, type Cookie } from "@remix-run/node";
import { and, eq, gt, isNull, ne } from "drizzle-orm";
import { createHash, randomBytes } from "node:crypto";
import { sessions, users } from "../../db/schema";
import { addDays } from "../utils/clock";
import type { AppContext, DbClock } from "../utils/context.server";
import type { Env } from "../utils/env.server";
import { recordAudit, userActor } from "./audit.server";
import { clientIpFromRequest } from "./client-ip.server";
import { toPublicUser, type PublicUser, type User } from "./users.server";
import { writeTransaction } from "../../db/transaction";

/**
 * Browser sessions. The cookie carries only a random 32-byte token (signed with SESSION_SECRET);
 * the `sessions` row is keyed by the token's SHA-256, so a copy of the database holds no usable
 * session. Rows can be revoked (logout) and expire after SESSION_TTL_DAYS; a login always makes a
 * new token.
 */
export const SESSION_TTL_DAYS = 30;

/**
 * `Secure` only when the app is served over HTTPS in production. The e2e suite runs the production
 * build over http://localhost, where a Secure cookie would never come back, so NODE_ENV alone is
 * not enough: the APP_URL scheme decides. Secure cookies also get the `__Host-` prefix, which makes
 * the browser refuse them unless they are Secure, host-only and Path=/.
 */
export function secureCookiesFor(env: Pick<Env, "NODE_ENV" | "appUrl">): boolean {
  return env.NODE_ENV === "production" && env.appUrl.startsWith("https://");
}

const cookies = new WeakMap<Env, Cookie>();

export function sessionCookie(env: Env): Cookie {
  let cookie = cookies.get(env);
  if (!cookie) {
    const secure = secureCookiesFor(env);
    cookie = createCookie(secure ? "__Host-session" : "session", {
      httpOnly: true,
      sameSite: "lax",
      secure,
      path: "/",
      secrets: [env.sessionSecret],
    });
    cookies.set(env, cookie);
  }
  return cookie;
}

function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export interface NewSession {
  token: string;
  expiresAt: Date;
}

export function createSession(
  ctx: DbClock,
  input: { userId: number; ipAddress?: string | null; userAgent?: string | null },
): NewSession {
  const { db, clock } = ctx;
  const token = randomBytes(32).toString("base64url");
  const now = clock.now();
  const expiresAt = addDays(now, SESSION_TTL_DAYS);
  db.insert(sessions)
    .values({
      id: tokenHash(token),
      userId: input.userId,
      expiresAt,
      ipAddress: input.ipAddress ?? null,
      userAgent: input.userAgent?.slice(0, 300) ?? null,
      createdAt: now,
    })
    .run();
  return { token, expiresAt };
}

/** The user behind a live (not revoked, not expired) session token. */
export function findSessionUser(ctx: DbClock, token: string): User | null {
  const { db, clock } = ctx;
  const row = db
    .select({ user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, tokenHash(token)), isNull(sessions.revokedAt), gt(sessions.expiresAt, clock.now())))
    .get();
  return row?.user ?? null;
}

/** Revokes one session; true when it was live. */
export function revokeSession(ctx: DbClock, token: string): boolean {
  const { db, clock } = ctx;
  const result = db
    .update(sessions)
    .set({ revokedAt: clock.now() })
    .where(and(eq(sessions.id, tokenHash(token)), isNull(sessions.revokedAt)))
    .run();
  return result.changes > 0;
}

/** Revokes every session of a user (e.g. after a password change); returns how many. */
export function revokeUserSessions(ctx: DbClock, userId: number): number {
  const { db, clock } = ctx;
  return db
    .update(sessions)
    .set({ revokedAt: clock.now() })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .run().changes;
}

/** Revokes every session of a user except `keepToken`'s (a password change keeps the device that made it). */
export function revokeOtherSessions(ctx: DbClock, userId: number, keepToken: string | null): number {
  const { db, clock } = ctx;
  return db
    .update(sessions)
    .set({ revokedAt: clock.now() })
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        keepToken ? ne(sessions.id, tokenHash(keepToken)) : undefined,
      ),
    )
    .run().changes;
}

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

/** The token from a correctly signed cookie, else null. */
export async function readSessionToken(request: Request, env: Env): Promise<string | null> {
  const value: unknown = await sessionCookie(env).parse(request.headers.get("Cookie"));
  return typeof value === "string" && TOKEN_RE.test(value) ? value : null;
}

export function commitSessionCookie(env: Env, session: NewSession): Promise<string> {
  return sessionCookie(env).serialize(session.token, { expires: session.expiresAt });
}

export function clearSessionCookie(env: Env): Promise<string> {
  return sessionCookie(env).serialize("", { expires: new Date(0), maxAge: 0 });
}

async function lookUp(
  request: Request,
  context: AppContext,
): Promise<{ token: string | null; user: PublicUser | null }> {
  const token = await readSessionToken(request, context.env);
  const user = token ? findSessionUser(context, token) : null;
  return { token, user: user ? toPublicUser(user) : null };
}

export async function getOptionalUser(request: Request, context: AppContext): Promise<PublicUser | null> {
  return (await lookUp(request, context)).user;
}

/** Where a person lands after logging in when no page was asked for: admins work in the console. */
export function homeOf(user: { role: string }): string {
  return user.role === "admin" ? "/admin" : "/credits";
}

/**
 * A return URL (`?redirectTo=`) that stays on this site, as a path; anything else gives `fallback`.
 * It is resolved with the URL parser against APP_URL and kept only when the origin is APP_URL's
 * and the resolved path does not start with "//" or "/\\".
 * Control characters and backslashes are refused before parsing: browsers drop tabs and newlines
 * and read "\\" as "/", so "/\t/evil.example" would reach the browser as "//evil.example".
 */
export function safeRedirect(
  to: FormDataEntryValue | string | null | undefined,
  appUrl: string,
  fallback = "/credits",
): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (typeof to !== "string" || to === "" || /[\u0000-\u001f\u007f\\]/.test(to)) return fallback;
  let url: URL;
  try {
    url = new URL(to, appUrl);
  } catch {
    return fallback;
  }
  if (url.origin !== new URL(appUrl).origin) return fallback;
  // The decision is on the resolved path: "/.//evil.example" resolves to "//evil.example", which a
  // browser reads as another host.
  if (/^\/[/\\]/.test(url.pathname)) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

function loginRedirectFor(request: Request): string {
  const url = new URL(request.url);
  const back = url.pathname + url.search;
  return back === "/" ? "/login" : `/login?redirectTo=${encodeURIComponent(back)}`;
}

/** The logged-in user, or a redirect (thrown) to the login page that comes back here afterwards. */
export async function requireUser(request: Request, context: AppContext): Promise<PublicUser> {
  const { token, user } = await lookUp(request, context);
  if (user) return user;
  // A signed cookie whose session has ended (expired, revoked) is cleared on the way out.
  throw redirect(
    loginRedirectFor(request),
    token ? { headers: { "Set-Cookie": await clearSessionCookie(context.env) } } : undefined,
  );
}

/**
 * An admin, or a thrown answer: anonymous → login redirect; logged in without the admin role →
 * 403. Call it in every admin loader AND action; a parent layout's check does not cover actions.
 */
export async function requireAdmin(request: Request, context: AppContext): Promise<PublicUser> {
  const user = await requireUser(request, context);
  if (user.role !== "admin") {
    throw new Response("This page is for administrators. Your account does not have access.", {
      status: 403,
      statusText: "Forbidden",
    });
  }
  return user;
}

/**
 * Starts a fresh session for a user who just proved who they are (login, signup), in one
 * IMMEDIATE transaction with its audit row. Any session the request still carried is revoked, so
 * a token planted before login (session fixation) is worthless. Returns the Set-Cookie value.
 */
export async function beginSession(
  context: AppContext,
  request: Request,
  user: Pick<User, "id">,
  audit: { action: string; details?: Record<string, unknown> },
): Promise<string> {
  const previous = await readSessionToken(request, context.env);
  const ipAddress = clientIpFromRequest(request);
  const session = writeTransaction(context.db, () => {
    if (previous) revokeSession(context, previous);
    const created = createSession(context, {
      userId: user.id,
      ipAddress,
      userAgent: request.headers.get("user-agent"),
    });
    recordAudit(context, {
      actor: userActor(user.id),
      action: audit.action,
      subject: userActor(user.id),
      details: { ip: ipAddress, ...audit.details },
    });
    return created;
  });
  return commitSessionCookie(context.env, session);
}

/** Revokes the request's session server-side (so a copied cookie stops working) and clears it. */
export async function endSession(context: AppContext, request: Request): Promise<string> {
  const token = await readSessionToken(request, context.env);
  if (token) {
    writeTransaction(context.db, () => {
      const user = findSessionUser(context, token);
      if (revokeSession(context, token) && user) {
        recordAudit(context, {
          actor: userActor(user.id),
          action: "user.logout",
          subject: userActor(user.id),
          details: { ip: clientIpFromRequest(request) },
        });
      }
    });
  }
  return clearSessionCookie(context.env);
}

/** The login and signup pages' loader: someone already logged in goes straight to `redirectTo`. */
export async function redirectLoggedInVisitor({ request, context }: { request: Request; context: AppContext }) {
  const user = await getOptionalUser(request, context);
  if (user) {
    throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo"), context.env.appUrl, homeOf(user)));
  }
  return null;
}
