import { Authenticator } from "remix-auth";
import { FormStrategy } from "remix-auth-form";
import { parseWithZod } from "@conform-to/zod";
import { AppError } from "../utils/errors";
import type { AppContext } from "../utils/context.server";
import { recordAudit } from "./audit.server";
import { clientIpFromRequest } from "./client-ip.server";
import { knownDeviceFor } from "./device.server";
import { loginSchema } from "./fields";
import { hashPassword, needsRehash, verifyPassword } from "./password.server";
import { loginSucceeded, startLoginAttempt } from "./throttle.server";
import { getUserByEmail, normalizeEmail, setPasswordHash, type User } from "./users.server";
import { writeTransaction } from "../../db/transaction";

/** One message for both "no such account" and "wrong password", so the form reveals neither. */
export const WRONG_LOGIN_MESSAGE = "Email or password is wrong.";

export function tooManyAttempts(retryAfterSeconds: number): AppError {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return new AppError(
    "too_many_requests",
    `Too many failed login attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
    { extra: { retryAfterSeconds } },
  );
}

/**
 * Checks an email + password form: throttling first (a locked account or IP is refused before any
 * password is checked), then the password at full cost whether or not the account exists.
 * Throws AppError: invalid_request, unauthenticated, too_many_requests. (The login page checks the
 * fields first and shows each one's error; this check is for any other caller.)
 */
async function verifyLogin(context: AppContext, form: FormData, request: Request): Promise<User> {
  const parsed = parseWithZod(form, { schema: loginSchema });
  if (parsed.status !== "success") throw new AppError("invalid_request", "Enter your email address and password.");
  const { db, clock } = context;
  const email = normalizeEmail(parsed.value.email);
  const ip = clientIpFromRequest(request);
  const user = getUserByEmail(db, email);
  // A browser that logged into this account before is its own source (decision 018).
  const knownDevice = await knownDeviceFor(request, context.env, user?.id);
  const gate = startLoginAttempt(context, { email, ip, knownDevice });
  if (!gate.allowed) throw tooManyAttempts(gate.retryAfterSeconds);

  const ok = await verifyPassword(parsed.value.password, user?.passwordHash);
  if (!ok || !user) {
    if (gate.locksOnFailure.length > 0) {
      writeTransaction(db, () => {
        for (const lock of gate.locksOnFailure) {
          recordAudit(context, {
            actor: "system",
            action: "user.login_locked",
            subject: lock.scope === "account" && user ? `user:${user.id}` : lock.key,
            details: {
              scope: lock.scope,
              key: lock.key,
              ip,
              knownDevice: knownDevice !== null,
              lockedUntil: lock.lockedUntil.toISOString(),
            },
          });
        }
      });
      const soonestMs = Math.min(...gate.locksOnFailure.map((l) => l.lockedUntil.getTime()));
      throw tooManyAttempts(Math.ceil((soonestMs - clock.now().getTime()) / 1000));
    }
    throw new AppError("unauthenticated", WRONG_LOGIN_MESSAGE);
  }

  loginSucceeded(context, { email, ip, knownDevice });
  if (user.passwordHash && needsRehash(user.passwordHash)) {
    setPasswordHash(context, user.id, await hashPassword(parsed.value.password));
  }
  return user;
}

/**
 * remix-auth v4 only authenticates: `authenticate("form", request)` returns the user or throws what
 * the verify function threw. Sessions are ours (session.server.ts). The strategy needs the app
 * context, which Remix hands to each action, so an authenticator is built per request (cheap).
 */
export function loginAuthenticator(context: AppContext): Authenticator<User> {
  return new Authenticator<User>().use(
    new FormStrategy<User>(({ form, request }) => verifyLogin(context, form, request)),
    "form",
  );
}
