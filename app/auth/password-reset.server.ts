import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import { createHash, randomBytes } from "node:crypto";
import { loginThrottle, passwordResetTokens } from "../../db/schema";
import { enqueueMail, notifyMail, passwordResetMail, renderMail } from "../mail/index.server";
import type { AppContext } from "../utils/context.server";
import { AppError } from "../utils/errors";
import { recordAudit, userActor } from "./audit.server";
import { hashPassword, verifyPassword, type HashOptions } from "./password.server";
import { revokeOtherSessions, revokeUserSessions } from "./session.server";
import { accountThrottlePrefix, loginSucceeded, startLoginAttempt, startPasswordResetRequest } from "./throttle.server";
import { getUserByEmail, getUserById, normalizeEmail, setPasswordHash, type User } from "./users.server";
import { tooManyAttempts } from "./login.server";
import { RESET_LINK_INVALID_MESSAGE } from "./fields";
import { writeTransaction } from "../../db/transaction";

// The pages show these too, so they live in the client-safe ./fields.
export { RESET_LINK_INVALID_MESSAGE } from "./fields";

/*
 * Forgot password, reset by link, change password (docs/decisions/012-email.md).
 * - The link carries a random 32-byte token; only its SHA-256 is stored (a copy of the database
 *   holds no usable link). It works once, for RESET_TOKEN_MINUTES.
 * - Asking for a link answers the same whether or not the address has an account, and is
 *   throttled per address and per IP (RESET_THROTTLE) whether or not it has one.
 * - A reset revokes every session; a change revokes every session but the one that made it.
 */
export const RESET_TOKEN_MINUTES = 30;

export const WRONG_CURRENT_PASSWORD_MESSAGE = "That is not your current password.";

function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * "Forgot password": for an account that can log in (has a password), writes a token and its
 * mail in one transaction, then pokes the mail worker. Throws AppError too_many_requests past the
 * limit; otherwise answers nothing either way.
 */
export function requestPasswordReset(ctx: AppContext, input: { email: string; ip: string | null }): void {
  const { db, clock } = ctx;
  const email = normalizeEmail(input.email);
  const gate = startPasswordResetRequest(ctx, { email, ip: input.ip });
  if (!gate.allowed) {
    const minutes = Math.ceil(gate.retryAfterSeconds / 60);
    throw new AppError(
      "too_many_requests",
      `Too many reset requests. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      { extra: { retryAfterSeconds: gate.retryAfterSeconds } },
    );
  }
  const user = getUserByEmail(db, email);
  if (!user?.passwordHash) return;
  const token = randomBytes(32).toString("base64url");
  writeTransaction(db, () => {
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + RESET_TOKEN_MINUTES * 60_000);
    db.insert(passwordResetTokens)
      .values({ userId: user.id, tokenHash: tokenHash(token), expiresAt, createdAt: now })
      .run();
    enqueueMail(db, {
      kind: "password_reset",
      userId: user.id,
      to: user.email,
      mail: renderMail(
        passwordResetMail({ name: user.name, token, validMinutes: RESET_TOKEN_MINUTES }),
        ctx.env.appUrl,
      ),
      expiresAt,
      at: now,
    });
    recordAudit(ctx, {
      actor: userActor(user.id),
      action: "user.password_reset_requested",
      subject: userActor(user.id),
      details: { ip: input.ip },
    });
  });
  notifyMail();
}

/** The user a live (unused, unexpired) reset token belongs to, else null. */
export function findResetTokenUser(ctx: AppContext, token: string): User | null {
  const row = ctx.db
    .select({ userId: passwordResetTokens.userId })
    .from(passwordResetTokens)
    .where(
      and(
        eq(passwordResetTokens.tokenHash, tokenHash(token)),
        isNull(passwordResetTokens.usedAt),
        gt(passwordResetTokens.expiresAt, ctx.clock.now()),
      ),
    )
    .get();
  return row ? (getUserById(ctx.db, row.userId) ?? null) : null;
}

/**
 * Sets a new password from a reset link: in one transaction the token is spent (and every other
 * token of the user), the hash replaced, every session revoked and the account's login lock
 * lifted. Throws AppError invalid_request (field "token") when the link is not usable (any more).
 */
export async function resetPassword(
  ctx: AppContext,
  input: { token: string; password: string; ip: string | null },
  hash?: HashOptions,
): Promise<User> {
  const { db, clock } = ctx;
  if (!findResetTokenUser(ctx, input.token)) {
    throw new AppError("invalid_request", RESET_LINK_INVALID_MESSAGE, { field: "token" });
  }
  // The slow hash runs outside the transaction; the token is checked again inside it.
  const passwordHash = await hashPassword(input.password, hash);
  return writeTransaction(db, () => {
    const now = clock.now();
    const spent = db
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(passwordResetTokens.tokenHash, tokenHash(input.token)),
          isNull(passwordResetTokens.usedAt),
          gt(passwordResetTokens.expiresAt, now),
        ),
      )
      .returning({ userId: passwordResetTokens.userId })
      .get();
    if (!spent) throw new AppError("invalid_request", RESET_LINK_INVALID_MESSAGE, { field: "token" });
    const user = getUserById(db, spent.userId)!;
    db.update(passwordResetTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordResetTokens.userId, user.id), isNull(passwordResetTokens.usedAt)))
      .run();
    setPasswordHash(ctx, user.id, passwordHash);
    const revoked = revokeUserSessions(ctx, user.id);
    // Whoever locked the account by guessing is beside the point now: its owner proved it by
    // mail, so every count on the account (from any source) is cleared.
    db.delete(loginThrottle)
      .where(
        or(
          eq(loginThrottle.key, `email:${normalizeEmail(user.email)}`),
          sql`instr(${loginThrottle.key}, ${accountThrottlePrefix(user.email)}) = 1`,
        ),
      )
      .run();
    recordAudit(ctx, {
      actor: userActor(user.id),
      action: "user.password_reset",
      subject: userActor(user.id),
      details: { ip: input.ip, sessionsRevoked: revoked },
    });
    return { ...user, passwordHash };
  });
}

/**
 * The account page's password change: the current password is checked like a login (same
 * throttle, so a stolen session cannot guess it), then the new hash is stored and every other
 * session revoked, in one transaction. Throws AppError invalid_request (field "currentPassword")
 * or too_many_requests.
 */
export async function changePassword(
  ctx: AppContext,
  input: {
    userId: number;
    currentPassword: string;
    newPassword: string;
    keepSessionToken: string | null;
    ip: string | null;
  },
  hash?: HashOptions,
): Promise<{ sessionsRevoked: number }> {
  const { db, clock } = ctx;
  const user = getUserById(db, input.userId);
  if (!user) throw new AppError("not_found", "There is no such account.");
  const gate = startLoginAttempt(ctx, { email: user.email, ip: input.ip });
  if (!gate.allowed) throw tooManyAttempts(gate.retryAfterSeconds);
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
    throw new AppError("invalid_request", WRONG_CURRENT_PASSWORD_MESSAGE, { field: "currentPassword" });
  }
  loginSucceeded(ctx, { email: user.email, ip: input.ip });
  const passwordHash = await hashPassword(input.newPassword, hash);
  return writeTransaction(db, () => {
    setPasswordHash(ctx, user.id, passwordHash);
    const sessionsRevoked = revokeOtherSessions(ctx, user.id, input.keepSessionToken);
    // Outstanding reset links were asked for under the old password: they stop working.
    db.update(passwordResetTokens)
      .set({ usedAt: clock.now() })
      .where(and(eq(passwordResetTokens.userId, user.id), isNull(passwordResetTokens.usedAt)))
      .run();
    recordAudit(ctx, {
      actor: userActor(user.id),
      action: "user.password_changed",
      subject: userActor(user.id),
      details: { ip: input.ip, sessionsRevoked },
    });
    return { sessionsRevoked };
  });
}
