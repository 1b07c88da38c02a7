import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { auditLog, mailOutbox, passwordResetTokens, sessions } from "../../db/schema";
import { testContext } from "../../test/db";
import { deliverDueMail, smtpSender, type MailSender } from "../mail/index.server";
import { linkIn, startTestSmtp, type TestSmtp } from "../mail/test-support";
import { hashPassword, verifyPassword } from "./password.server";
import {
  changePassword,
  findResetTokenUser,
  requestPasswordReset,
  resetPassword,
  RESET_LINK_INVALID_MESSAGE,
  RESET_TOKEN_MINUTES,
  WRONG_CURRENT_PASSWORD_MESSAGE,
} from "./password-reset.server";
import { createSession, findSessionUser } from "./session.server";
import { RESET_THROTTLE, startLoginAttempt } from "./throttle.server";
import { createUser, getUserById } from "./users.server";

const APP_URL = "https://credits.example.com";
const CHEAP = { log2N: 4 };
const OLD = "the old password, long enough";
const NEW = "a brand new password, long";

let smtp: TestSmtp;
let sender: MailSender;
let ctx: ReturnType<typeof testContext>;

beforeEach(async () => {
  smtp = await startTestSmtp();
  sender = smtpSender(smtp.url);
  ctx = testContext({ APP_URL });
});
afterEach(async () => {
  sender.close();
  await smtp.close();
  closeDatabase(ctx.db);
});

async function user(email = "ada@example.com") {
  return createUser(ctx, { email, name: "Ada", passwordHash: await hashPassword(OLD, CHEAP) });
}

/** Asks for a link and returns the token from the mail the SMTP server received. */
async function tokenFromMail(email: string): Promise<string> {
  requestPasswordReset(ctx, { email, ip: "203.0.113.5" });
  await deliverDueMail(ctx, sender, "Credits <no-reply@credits.example.com>");
  const mail = await smtp.waitFor((m) => m.to.includes(email.toLowerCase()) && /Reset/.test(m.parsed.subject ?? ""));
  const link = linkIn(mail);
  expect(link.origin + link.pathname).toBe(`${APP_URL}/reset-password`);
  return link.searchParams.get("token")!;
}

describe("forgot password", () => {
  it("mails a link whose token is stored only as its SHA-256", async () => {
    const u = await user();
    const token = await tokenFromMail("ADA@example.com");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = ctx.db.select().from(passwordResetTokens).all();
    expect(rows).toEqual([
      expect.objectContaining({
        userId: u.id,
        tokenHash: createHash("sha256").update(token).digest("hex"),
        usedAt: null,
        expiresAt: new Date(ctx.clock.now().getTime() + RESET_TOKEN_MINUTES * 60_000),
      }),
    ]);
    // Once the SMTP server has it, the outbox keeps no copy of the link either.
    expect(JSON.stringify(ctx.db.select().from(mailOutbox).all())).not.toContain(token);
  });

  it("answers the same for an address without an account, and mails nothing", async () => {
    expect(requestPasswordReset(ctx, { email: "nobody@example.com", ip: "203.0.113.5" })).toBeUndefined();
    expect(ctx.db.select().from(mailOutbox).all()).toHaveLength(0);
    expect(ctx.db.select().from(passwordResetTokens).all()).toHaveLength(0);
  });

  it("refuses the 4th request for one address within an hour, account or not, and the 21st from one IP", async () => {
    await user();
    for (const email of ["ada@example.com", "nobody@example.com"]) {
      for (let i = 0; i < RESET_THROTTLE.maxPerEmail; i++) requestPasswordReset(ctx, { email, ip: null });
      expect(() => requestPasswordReset(ctx, { email, ip: null })).toThrow(
        /Too many reset requests. Try again in 60 minutes/,
      );
    }
    expect(ctx.db.select().from(mailOutbox).all()).toHaveLength(RESET_THROTTLE.maxPerEmail);
    ctx.clock.advance(60 * 60_000);
    expect(() => requestPasswordReset(ctx, { email: "ada@example.com", ip: null })).not.toThrow();

    for (let i = 0; i < RESET_THROTTLE.maxPerIp; i++)
      requestPasswordReset(ctx, { email: `x${i}@example.com`, ip: "198.51.100.1" });
    expect(() => requestPasswordReset(ctx, { email: "y@example.com", ip: "198.51.100.1" })).toThrow(/Too many/);
  });
});

describe("a stranger's requests and guesses (decision 018)", () => {
  it("cannot use up the owner's reset requests from elsewhere, nor lock the owner's login with them", async () => {
    const u = await user();
    for (let i = 0; i < RESET_THROTTLE.maxPerEmail; i++)
      requestPasswordReset(ctx, { email: u.email, ip: "198.51.100.66" });
    expect(() => requestPasswordReset(ctx, { email: u.email, ip: "198.51.100.66" })).toThrow(/Too many/);
    expect(startLoginAttempt(ctx, { email: u.email, ip: "198.51.100.66" }).allowed).toBe(true);
    expect(() => requestPasswordReset(ctx, { email: u.email, ip: "192.0.2.10" })).not.toThrow();
  });

  it("clears every count on the account, from every source, once the owner resets by mail", async () => {
    const u = await user();
    for (let i = 0; i < 5; i++) startLoginAttempt(ctx, { email: u.email, ip: "198.51.100.66" });
    for (let i = 0; i < 5; i++) startLoginAttempt(ctx, { email: u.email, ip: "192.0.2.10" });
    expect(startLoginAttempt(ctx, { email: u.email, ip: "192.0.2.10" }).allowed).toBe(false);
    await resetPassword(ctx, { token: await tokenFromMail(u.email), password: NEW, ip: "192.0.2.10" }, CHEAP);
    expect(startLoginAttempt(ctx, { email: u.email, ip: "192.0.2.10" }).allowed).toBe(true);
    expect(startLoginAttempt(ctx, { email: u.email, ip: "198.51.100.66" }).allowed).toBe(true);
  });
});

describe("resetting with the link", () => {
  it("sets the new password, revokes every session and works only once", async () => {
    const u = await user();
    const a = createSession(ctx, { userId: u.id });
    const b = createSession(ctx, { userId: u.id });
    const token = await tokenFromMail(u.email);

    await resetPassword(ctx, { token, password: NEW, ip: "203.0.113.5" }, CHEAP);
    const after = getUserById(ctx.db, u.id)!;
    expect(await verifyPassword(NEW, after.passwordHash)).toBe(true);
    expect(await verifyPassword(OLD, after.passwordHash)).toBe(false);
    expect(findSessionUser(ctx, a.token)).toBeNull();
    expect(findSessionUser(ctx, b.token)).toBeNull();
    expect(ctx.db.select().from(auditLog).where(eq(auditLog.action, "user.password_reset")).all()).toHaveLength(1);

    await expect(resetPassword(ctx, { token, password: "yet another password", ip: null }, CHEAP)).rejects.toThrow(
      RESET_LINK_INVALID_MESSAGE,
    );
    expect(await verifyPassword(NEW, getUserById(ctx.db, u.id)!.passwordHash)).toBe(true);
  });

  it("stops working after 30 minutes", async () => {
    const u = await user();
    const token = await tokenFromMail(u.email);
    ctx.clock.advance(RESET_TOKEN_MINUTES * 60_000 - 1);
    expect(findResetTokenUser(ctx, token)?.id).toBe(u.id);
    ctx.clock.advance(1);
    expect(findResetTokenUser(ctx, token)).toBeNull();
    await expect(resetPassword(ctx, { token, password: NEW, ip: null }, CHEAP)).rejects.toMatchObject({
      code: "invalid_request",
      field: "token",
    });
    expect(await verifyPassword(OLD, getUserById(ctx.db, u.id)!.passwordHash)).toBe(true);
  });

  it("spends the user's other links too, and lifts a login lock", async () => {
    const u = await user();
    const first = await tokenFromMail(u.email);
    const second = await tokenFromMail(u.email);
    for (let i = 0; i < 5; i++) startLoginAttempt(ctx, { email: u.email });
    expect(startLoginAttempt(ctx, { email: u.email }).allowed).toBe(false);

    await resetPassword(ctx, { token: second, password: NEW, ip: null }, CHEAP);
    expect(findResetTokenUser(ctx, first)).toBeNull();
    expect(startLoginAttempt(ctx, { email: u.email }).allowed).toBe(true);
  });

  it("refuses a token that was never issued", async () => {
    await user();
    await expect(resetPassword(ctx, { token: "A".repeat(43), password: NEW, ip: null }, CHEAP)).rejects.toThrow(
      RESET_LINK_INVALID_MESSAGE,
    );
  });
});

describe("changing the password", () => {
  it("needs the current password, and revokes every other session but keeps this one", async () => {
    const u = await user();
    const here = createSession(ctx, { userId: u.id });
    const elsewhere = createSession(ctx, { userId: u.id });
    const input = { userId: u.id, keepSessionToken: here.token, ip: "203.0.113.5" };

    await expect(
      changePassword(ctx, { ...input, currentPassword: "not the password", newPassword: NEW }, CHEAP),
    ).rejects.toMatchObject({
      code: "invalid_request",
      field: "currentPassword",
      message: WRONG_CURRENT_PASSWORD_MESSAGE,
    });
    expect(findSessionUser(ctx, elsewhere.token)?.id).toBe(u.id);

    expect(await changePassword(ctx, { ...input, currentPassword: OLD, newPassword: NEW }, CHEAP)).toEqual({
      sessionsRevoked: 1,
    });
    expect(await verifyPassword(NEW, getUserById(ctx.db, u.id)!.passwordHash)).toBe(true);
    expect(findSessionUser(ctx, here.token)?.id).toBe(u.id);
    expect(findSessionUser(ctx, elsewhere.token)).toBeNull();
    expect(
      ctx.db
        .select()
        .from(sessions)
        .all()
        .filter((s) => s.revokedAt === null),
    ).toHaveLength(1);
  });

  it("is throttled like a login: five wrong current passwords lock it", async () => {
    const u = await user();
    const input = { userId: u.id, keepSessionToken: null, ip: null, newPassword: NEW };
    for (let i = 0; i < 5; i++) {
      await expect(changePassword(ctx, { ...input, currentPassword: `wrong ${i}` }, CHEAP)).rejects.toBeTruthy();
    }
    await expect(changePassword(ctx, { ...input, currentPassword: OLD }, CHEAP)).rejects.toMatchObject({
      code: "too_many_requests",
    });
    expect(await verifyPassword(OLD, getUserById(ctx.db, u.id)!.passwordHash)).toBe(true);
  });
});
