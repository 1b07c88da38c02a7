import { eq, inArray } from "drizzle-orm";
import { loginThrottle } from "../../db/schema";
import type { DbClock } from "../utils/context.server";
import { normalizeEmail } from "./users.server";
import { writeTransaction } from "../../db/transaction";

/**
 * Failed-login throttling (docs/decisions/018-login-lockout-per-source.md). Failures are counted
 * per account *and source*: the source is the device when the request carries a device cookie
 * from an earlier login to this account (./device.server.ts), else the client IP. Within a
 * 15-minute window the 5th failure for one account from one source locks that pair for 15
 * minutes, so someone guessing from elsewhere locks only themselves out. Unknown devices also
 * count per IP (20 failures, any account) and per account across every address (50, against
 * guessing spread over many addresses); a known device is held by neither, so its owner still
 * gets in, and the owner's reset by mail clears every count on the account. Emails count whether
 * or not an account exists, so locks do not reveal accounts; while locked, attempts are refused
 * before the password is checked.
 *
 * An attempt is counted as a failure when it starts (in one IMMEDIATE transaction) and given back
 * if the password turns out right. Counting first means parallel guesses cannot all slip past the
 * check during the ~200 ms the hash takes.
 */
export const LOGIN_THROTTLE = {
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  maxAccountFailures: 5,
  maxIpFailures: 20,
  maxAccountFailuresEverywhere: 50,
} as const;

/** `account`: this account from this source; `ip`: this address, any account; `everywhere`: this account from unknown devices. */
type ThrottleScope = "account" | "ip" | "everywhere";

interface ThrottleKey {
  key: string;
  scope: ThrottleScope;
  max: number;
}

export interface LoginSource {
  email: string;
  ip?: string | null;
  /** The device id when the request's device cookie has logged into this account before. */
  knownDevice?: string | null;
}

/** Every key of one account: a reset by mail clears them all. */
export function accountThrottlePrefix(email: string): string {
  return `login:${normalizeEmail(email)}|`;
}

function throttleKeys(input: LoginSource): ThrottleKey[] {
  const email = normalizeEmail(input.email);
  const source = input.knownDevice ? `device:${input.knownDevice}` : `ip:${input.ip ?? "unknown"}`;
  const keys: ThrottleKey[] = [
    { key: `${accountThrottlePrefix(email)}${source}`, scope: "account", max: LOGIN_THROTTLE.maxAccountFailures },
  ];
  if (input.knownDevice) return keys;
  keys.push({ key: `email:${email}`, scope: "everywhere", max: LOGIN_THROTTLE.maxAccountFailuresEverywhere });
  if (input.ip) keys.push({ key: `ip:${input.ip}`, scope: "ip", max: LOGIN_THROTTLE.maxIpFailures });
  return keys;
}

export type LoginGate =
  | {
      allowed: true;
      /** Keys this attempt locks if its password is wrong (it was the last allowed try). */
      locksOnFailure: { scope: ThrottleScope; key: string; lockedUntil: Date }[];
    }
  | { allowed: false; scope: ThrottleScope; lockedUntil: Date; retryAfterSeconds: number };

type Row = typeof loginThrottle.$inferSelect;

/** A row whose window has passed, or whose lock has ended, starts over. */
function current(row: Row | undefined, nowMs: number): Row | undefined {
  if (!row) return undefined;
  if (row.lockedUntil) return row.lockedUntil.getTime() > nowMs ? row : undefined;
  return nowMs - row.windowStartedAt.getTime() < LOGIN_THROTTLE.windowMs ? row : undefined;
}

/**
 * Starts a login attempt: refuses it if the account or the IP is locked, otherwise counts it as a
 * failure up front (see above). Call `loginSucceeded` when the password is right.
 */
export function startLoginAttempt(ctx: DbClock, input: LoginSource): LoginGate {
  const { db, clock } = ctx;
  const keys = throttleKeys(input);
  return writeTransaction(db, (tx) => {
    const nowMs = clock.now().getTime();
    const rows = new Map(
      tx
        .select()
        .from(loginThrottle)
        .where(
          inArray(
            loginThrottle.key,
            keys.map((k) => k.key),
          ),
        )
        .all()
        .map((r) => [r.key, r]),
    );
    const locked = keys
      .map((k) => ({ k, row: current(rows.get(k.key), nowMs) }))
      .filter(({ k, row }) => row && (row.lockedUntil || row.failures >= k.max))
      .map(({ k, row }) => ({
        scope: k.scope,
        // failures ≥ max without a lock cannot be stored by this module; treat it as a fresh lock.
        lockedUntil: row!.lockedUntil ?? new Date(nowMs + LOGIN_THROTTLE.lockMs),
      }))
      .sort((a, b) => b.lockedUntil.getTime() - a.lockedUntil.getTime());
    if (locked.length > 0) {
      const { scope, lockedUntil } = locked[0];
      return {
        allowed: false,
        scope,
        lockedUntil,
        retryAfterSeconds: Math.max(1, Math.ceil((lockedUntil.getTime() - nowMs) / 1000)),
      };
    }
    const locksOnFailure: { scope: ThrottleScope; key: string; lockedUntil: Date }[] = [];
    for (const k of keys) {
      const row = current(rows.get(k.key), nowMs);
      const failures = (row?.failures ?? 0) + 1;
      const lockedUntil = failures >= k.max ? new Date(nowMs + LOGIN_THROTTLE.lockMs) : null;
      if (lockedUntil) locksOnFailure.push({ scope: k.scope, key: k.key, lockedUntil });
      const values = {
        failures,
        windowStartedAt: row ? row.windowStartedAt : new Date(nowMs),
        lockedUntil,
      };
      tx.insert(loginThrottle)
        .values({ key: k.key, ...values })
        .onConflictDoUpdate({ target: loginThrottle.key, set: values })
        .run();
    }
    return { allowed: true, locksOnFailure };
  });
}

/**
 * The password was right: this source's and the account-wide counters are cleared; the IP gets
 * back the failure counted up front (and loses the lock that failure set), but keeps its earlier
 * failures, so a client cannot reset its IP budget by logging into an account of its own between
 * guesses.
 */
export function loginSucceeded(ctx: DbClock, input: LoginSource): void {
  const { db, clock } = ctx;
  const keys = throttleKeys(input);
  writeTransaction(db, (tx) => {
    for (const k of keys) {
      if (k.scope !== "ip") {
        tx.delete(loginThrottle).where(eq(loginThrottle.key, k.key)).run();
        continue;
      }
      const row = current(
        tx.select().from(loginThrottle).where(eq(loginThrottle.key, k.key)).get(),
        clock.now().getTime(),
      );
      if (!row) continue;
      const failures = Math.max(0, row.failures - 1);
      tx.update(loginThrottle)
        .set({ failures, lockedUntil: failures >= k.max ? row.lockedUntil : null })
        .where(eq(loginThrottle.key, k.key))
        .run();
    }
  });
}

/**
 * Signups per client IP, in the same table as the login throttle (key `signup-ip:<ip>`): each
 * signup that passed validation counts, whether or not the account is then created (each costs a
 * full password hash, and the email check would otherwise enumerate accounts); the one past the
 * limit within the window is refused until the window ends. Generous enough for a shared office
 * address; an address creating accounts in bulk is stopped.
 */
/** The window sign-ups per address are counted in; the limit is SIGNUP_LIMIT_PER_IP_PER_HOUR (env, default 30). */
export const SIGNUP_THROTTLE = {
  windowMs: 60 * 60_000,
} as const;

export type SignupGate = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export function startSignupAttempt(ctx: DbClock, ip: string | null, maxPerIp: number): SignupGate {
  const { db, clock } = ctx;
  // Without an address (no socket address: never on a real server) there is nothing to count by.
  if (!ip) return { allowed: true };
  const key = `signup-ip:${ip}`;
  return writeTransaction(db, (tx) => {
    const nowMs = clock.now().getTime();
    const row = tx.select().from(loginThrottle).where(eq(loginThrottle.key, key)).get();
    const inWindow = row && nowMs - row.windowStartedAt.getTime() < SIGNUP_THROTTLE.windowMs ? row : undefined;
    if (inWindow && inWindow.failures >= maxPerIp) {
      const endsAtMs = inWindow.windowStartedAt.getTime() + SIGNUP_THROTTLE.windowMs;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((endsAtMs - nowMs) / 1000)) };
    }
    const values = {
      failures: (inWindow?.failures ?? 0) + 1,
      windowStartedAt: inWindow ? inWindow.windowStartedAt : new Date(nowMs),
      lockedUntil: null,
    };
    tx.insert(loginThrottle)
      .values({ key, ...values })
      .onConflictDoUpdate({ target: loginThrottle.key, set: values })
      .run();
    return { allowed: true };
  });
}

/**
 * "Forgot password" requests, per address *from one client IP* and per client IP, in the same
 * table (keys `reset-email:<normalized>|ip:<ip>` and `reset-ip:<ip>`). Every request counts,
 * whether or not the address has an account, so the limit reveals nothing; past either limit
 * within the window the request is refused (429) until the window ends. Three mails an hour from
 * one place are plenty for one person and keep the form from flooding an inbox; counting the
 * address per IP means nobody elsewhere can use up the owner's requests (decision 018). These
 * counts never touch login.
 */
export const RESET_THROTTLE = {
  windowMs: 60 * 60_000,
  maxPerEmail: 3,
  maxPerIp: 20,
} as const;

export type ResetGate = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export function startPasswordResetRequest(ctx: DbClock, input: { email: string; ip?: string | null }): ResetGate {
  const { db, clock } = ctx;
  const keys: { key: string; max: number }[] = [
    { key: `reset-email:${normalizeEmail(input.email)}|ip:${input.ip ?? "unknown"}`, max: RESET_THROTTLE.maxPerEmail },
  ];
  if (input.ip) keys.push({ key: `reset-ip:${input.ip}`, max: RESET_THROTTLE.maxPerIp });
  return writeTransaction(db, (tx) => {
    const nowMs = clock.now().getTime();
    const rows = keys.map((k) => {
      const row = tx.select().from(loginThrottle).where(eq(loginThrottle.key, k.key)).get();
      return { ...k, row: row && nowMs - row.windowStartedAt.getTime() < RESET_THROTTLE.windowMs ? row : undefined };
    });
    const full = rows.filter((r) => r.row && r.row.failures >= r.max);
    if (full.length > 0) {
      const endsAtMs = Math.max(...full.map((r) => r.row!.windowStartedAt.getTime() + RESET_THROTTLE.windowMs));
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((endsAtMs - nowMs) / 1000)) };
    }
    for (const r of rows) {
      const values = {
        failures: (r.row?.failures ?? 0) + 1,
        windowStartedAt: r.row ? r.row.windowStartedAt : new Date(nowMs),
        lockedUntil: null,
      };
      tx.insert(loginThrottle)
        .values({ key: r.key, ...values })
        .onConflictDoUpdate({ target: loginThrottle.key, set: values })
        .run();
    }
    return { allowed: true };
  });
}
