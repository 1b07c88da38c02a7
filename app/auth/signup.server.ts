import type { AppContext } from "../utils/context.server";
import { AppError } from "../utils/errors";
import { signupSchema } from "./fields";
import { clientIpFromRequest } from "./client-ip.server";
import { hashPassword, type HashOptions } from "./password.server";
import { startSignupAttempt } from "./throttle.server";
import { createUser, getUserByEmail, type User } from "./users.server";

const EMAIL_TAKEN_MESSAGE = "An account with this email already exists. Log in instead?";

/**
 * Creates a customer account from the sign-up fields (the page has parsed its form with the same
 * schema; they are checked again here for any other caller). Throws AppError invalid_request for bad input
 * (the signup page checks the fields first and shows each one's error), too_many_requests (with `extra.retryAfterSeconds`) past the
 * per-IP limit (SIGNUP_LIMIT_PER_IP_PER_HOUR in SIGNUP_THROTTLE's window), conflict (field "email") when the email is taken.
 * The slow hash runs before the insert, outside any transaction.
 */
export async function signUp(
  context: AppContext,
  fields: { email: string; name: string; password: string },
  request: Request,
  hash?: HashOptions,
): Promise<User> {
  const parsed = signupSchema.safeParse(fields);
  if (!parsed.success) throw new AppError("invalid_request", "Check the highlighted fields.");
  const { email, name, password } = parsed.data;
  const gate = startSignupAttempt(context, clientIpFromRequest(request), context.env.SIGNUP_LIMIT_PER_IP_PER_HOUR);
  if (!gate.allowed) {
    const minutes = Math.ceil(gate.retryAfterSeconds / 60);
    throw new AppError(
      "too_many_requests",
      `Too many new accounts from your network. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      { extra: { retryAfterSeconds: gate.retryAfterSeconds } },
    );
  }
  // Checked first to skip a 200 ms hash; createUser's unique index still settles a race.
  if (getUserByEmail(context.db, email)) {
    throw new AppError("conflict", EMAIL_TAKEN_MESSAGE, { field: "email" });
  }
  const passwordHash = await hashPassword(password, hash);
  try {
    return createUser(context, { email, name, passwordHash, role: "customer" });
  } catch (e) {
    if (e instanceof AppError && e.code === "conflict")
      throw new AppError("conflict", EMAIL_TAKEN_MESSAGE, { field: "email" });
    throw e;
  }
}
