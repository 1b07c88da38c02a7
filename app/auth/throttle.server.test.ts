import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { loginThrottle } from "../../db/schema";
import { testContext } from "../../test/db";
import { LOGIN_THROTTLE, loginSucceeded, startLoginAttempt } from "./throttle.server";

const contexts: ReturnType<typeof testContext>[] = [];
function setup() {
  const ctx = testContext();
  contexts.push(ctx);
  return ctx;
}
afterEach(() => {
  for (const ctx of contexts.splice(0)) closeDatabase(ctx.db);
});

const MINUTE_MS = 60_000;

/** `n` attempts that all turn out to have the wrong password (they stay counted). */
function fail(ctx: ReturnType<typeof setup>, n: number, who: { email: string; ip?: string | null }) {
  return Array.from({ length: n }, () => startLoginAttempt(ctx, who));
}

describe("login throttling per account", () => {
  it("locks an account on its 5th failure in 15 minutes and refuses it with a retry time", () => {
    const ctx = setup();
    const who = { email: "ada@example.com", ip: "203.0.113.1" };
    const gates = fail(ctx, 5, who);
    expect(gates.map((g) => g.allowed)).toEqual([true, true, true, true, true]);
    // The 5th attempt is told that a wrong password now locks the account.
    expect(gates[4]).toMatchObject({ allowed: true, locksOnFailure: [{ scope: "account" }] });
    expect(gates[3]).toMatchObject({ allowed: true, locksOnFailure: [] });
    ctx.clock.advance(MINUTE_MS);
    const refused = startLoginAttempt(ctx, who);
    expect(refused).toMatchObject({ allowed: false, scope: "account", retryAfterSeconds: 14 * 60 });
  });

  it("locks an account only for the source that failed, case-insensitively", () => {
    const ctx = setup();
    for (let i = 0; i < 5; i++) startLoginAttempt(ctx, { email: "Ada@Example.com", ip: "198.51.100.7" });
    expect(startLoginAttempt(ctx, { email: "ada@example.com", ip: "198.51.100.7" }).allowed).toBe(false);
    // The owner, somewhere else, is not locked out by the stranger's guesses.
    expect(startLoginAttempt(ctx, { email: "ada@example.com", ip: "192.0.2.9" }).allowed).toBe(true);
    expect(startLoginAttempt(ctx, { email: "grace@example.com", ip: "198.51.100.7" }).allowed).toBe(true);
  });

  it("stops guessing spread over many addresses at 50, except from a device that logged in before", () => {
    const ctx = setup();
    for (let i = 0; i < LOGIN_THROTTLE.maxAccountFailuresEverywhere; i++) {
      expect(startLoginAttempt(ctx, { email: "ada@example.com", ip: `198.51.${i >> 8}.${i & 255}` }).allowed).toBe(
        true,
      );
    }
    expect(startLoginAttempt(ctx, { email: "ada@example.com", ip: "192.0.2.9" })).toMatchObject({
      allowed: false,
      scope: "everywhere",
    });
    const known = { email: "ada@example.com", ip: "192.0.2.9", knownDevice: "d".repeat(22) };
    expect(startLoginAttempt(ctx, known).allowed).toBe(true);
  });

  it("counts a known device on its own: the address's and the account's locks do not hold it, its own failures do", () => {
    const ctx = setup();
    const ip = "203.0.113.50";
    for (let i = 0; i < LOGIN_THROTTLE.maxIpFailures; i++)
      startLoginAttempt(ctx, { email: `user${i}@example.com`, ip });
    fail(ctx, 5, { email: "ada@example.com", ip });
    expect(startLoginAttempt(ctx, { email: "ada@example.com", ip }).allowed).toBe(false);
    const known = { email: "ada@example.com", ip, knownDevice: "k".repeat(22) };
    const gates = fail(ctx, 5, known);
    expect(gates.every((g) => g.allowed)).toBe(true);
    expect(startLoginAttempt(ctx, known)).toMatchObject({ allowed: false, scope: "account" });
    // Another of the owner's devices is yet another source.
    expect(startLoginAttempt(ctx, { ...known, knownDevice: "j".repeat(22) }).allowed).toBe(true);
  });

  it("lets the account in again once the 15-minute lock has passed, with a fresh count", () => {
    const ctx = setup();
    const who = { email: "ada@example.com" };
    fail(ctx, 5, who);
    ctx.clock.advance(LOGIN_THROTTLE.lockMs - 1);
    expect(startLoginAttempt(ctx, who).allowed).toBe(false);
    ctx.clock.advance(1);
    const again = fail(ctx, 4, who);
    expect(again.every((g) => g.allowed)).toBe(true);
    expect(ctx.db.select().from(loginThrottle).get()).toMatchObject({ failures: 4, lockedUntil: null });
  });

  it("forgets failures older than the 15-minute window", () => {
    const ctx = setup();
    const who = { email: "ada@example.com" };
    fail(ctx, 4, who);
    ctx.clock.advance(LOGIN_THROTTLE.windowMs);
    const next = fail(ctx, 4, who);
    expect(next.every((g) => g.allowed && g.locksOnFailure.length === 0)).toBe(true);
    // Failures inside one window still add up: the 5th in this new window locks.
    expect(startLoginAttempt(ctx, who)).toMatchObject({
      allowed: true,
      locksOnFailure: [{ scope: "account" }],
    });
    expect(startLoginAttempt(ctx, who).allowed).toBe(false);
  });

  it("clears the account's count after a successful login", () => {
    const ctx = setup();
    const who = { email: "ada@example.com", ip: "203.0.113.1" };
    fail(ctx, 3, who);
    startLoginAttempt(ctx, who);
    loginSucceeded(ctx, who);
    const gates = fail(ctx, 4, who);
    expect(gates.every((g) => g.allowed && g.locksOnFailure.length === 0)).toBe(true);
  });
});

describe("login throttling per IP", () => {
  it("locks an IP on its 20th failure across different accounts", () => {
    const ctx = setup();
    const ip = "203.0.113.7";
    for (let i = 0; i < LOGIN_THROTTLE.maxIpFailures; i++) {
      const gate = startLoginAttempt(ctx, { email: `user${i}@example.com`, ip });
      expect(gate.allowed).toBe(true);
    }
    const refused = startLoginAttempt(ctx, { email: "fresh@example.com", ip });
    expect(refused).toMatchObject({ allowed: false, scope: "ip", retryAfterSeconds: 15 * 60 });
    expect(startLoginAttempt(ctx, { email: "fresh@example.com", ip: "203.0.113.8" }).allowed).toBe(true);
  });

  it("reopens the IP after the lock and forgets failures outside the window", () => {
    const ctx = setup();
    const ip = "203.0.113.7";
    for (let i = 0; i < 19; i++) startLoginAttempt(ctx, { email: `user${i}@example.com`, ip });
    ctx.clock.advance(LOGIN_THROTTLE.windowMs);
    // The window has passed: 19 more are allowed before the 20th locks again.
    for (let i = 0; i < 19; i++) {
      expect(startLoginAttempt(ctx, { email: `other${i}@example.com`, ip }).allowed).toBe(true);
    }
    startLoginAttempt(ctx, { email: "last@example.com", ip });
    expect(startLoginAttempt(ctx, { email: "x@example.com", ip }).allowed).toBe(false);
    ctx.clock.advance(LOGIN_THROTTLE.lockMs);
    expect(startLoginAttempt(ctx, { email: "x@example.com", ip }).allowed).toBe(true);
  });

  it("gives back only the successful attempt to the IP, keeping its earlier failures", () => {
    const ctx = setup();
    const ip = "203.0.113.7";
    for (let i = 0; i < 18; i++) startLoginAttempt(ctx, { email: `user${i}@example.com`, ip });
    // The 19th and 20th attempts run in parallel; the 20th reserves the lock, then the 19th succeeds.
    const mine = startLoginAttempt(ctx, { email: "me@example.com", ip });
    const parallel = startLoginAttempt(ctx, { email: "guess@example.com", ip });
    expect(mine.allowed && parallel.allowed).toBe(true);
    loginSucceeded(ctx, { email: "me@example.com", ip });
    const row = ctx.db
      .select()
      .from(loginThrottle)
      .all()
      .find((r) => r.key === `ip:${ip}`);
    expect(row).toMatchObject({ failures: 19, lockedUntil: null });
    // One more failure reaches 20 and locks.
    startLoginAttempt(ctx, { email: "guess2@example.com", ip });
    expect(startLoginAttempt(ctx, { email: "guess3@example.com", ip }).allowed).toBe(false);
  });

  it("counts attempts before the password is checked, so parallel guesses cannot overshoot", () => {
    const ctx = setup();
    const who = { email: "ada@example.com", ip: "203.0.113.1" };
    // Ten guesses start before any of them has been answered.
    const gates = fail(ctx, 10, who);
    expect(gates.filter((g) => g.allowed)).toHaveLength(LOGIN_THROTTLE.maxAccountFailures);
  });
});
