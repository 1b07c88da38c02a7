import { afterEach, describe, expect, it } from "vitest";
import { closeDatabase } from "../../db/client";
import { testContext } from "../../test/db";
import { rejectedAppError } from "../../test/errors";
import { SIGNUP_THROTTLE } from "./throttle.server";
import { signUp } from "./signup.server";
import { getUserByEmail } from "./users.server";

const contexts: ReturnType<typeof testContext>[] = [];
function setup() {
  const ctx = testContext();
  contexts.push(ctx);
  return ctx;
}
afterEach(() => {
  for (const ctx of contexts.splice(0)) closeDatabase(ctx.db);
});

async function expectAppError(promise: Promise<unknown>, code: string) {
  const e = await rejectedAppError(promise);
  expect(e.code).toBe(code);
  return e;
}

/** Many signups in one test: a cheap test-only hash cost. */
const CHEAP = { log2N: 10 };

function form(email: string) {
  return { email, name: "Ada", password: "a long enough password" };
}

/** What the server hands Remix: the one client address it trusts, in X-Forwarded-For. */
function from(ip: string): Request {
  return new Request("http://localhost/signup", { method: "POST", headers: { "x-forwarded-for": ip } });
}

describe("signup throttling per IP", () => {
  it("allows SIGNUP_LIMIT_PER_IP_PER_HOUR (default 30) signups from one IP per window, then refuses with a retry time and creates nothing", async () => {
    const ctx = setup();
    expect(ctx.env.SIGNUP_LIMIT_PER_IP_PER_HOUR).toBe(30);
    for (let i = 0; i < ctx.env.SIGNUP_LIMIT_PER_IP_PER_HOUR; i++)
      await signUp(ctx, form(`user${i}@example.com`), from("203.0.113.1"), CHEAP);
    const refused = await expectAppError(
      signUp(ctx, form("one-more@example.com"), from("203.0.113.1")),
      "too_many_requests",
    );
    expect(refused.extra?.retryAfterSeconds).toBe(SIGNUP_THROTTLE.windowMs / 1000);
    expect(getUserByEmail(ctx.db, "one-more@example.com")).toBeUndefined();

    // Another address is not affected, and the window passing lets the first one in again.
    await signUp(ctx, form("other-ip@example.com"), from("198.51.100.2"));
    ctx.clock.advance(SIGNUP_THROTTLE.windowMs);
    await signUp(ctx, form("next-window@example.com"), from("203.0.113.1"));
  }, 60_000);

  it("takes its limit from SIGNUP_LIMIT_PER_IP_PER_HOUR", async () => {
    const ctx = testContext({ SIGNUP_LIMIT_PER_IP_PER_HOUR: "2" });
    contexts.push(ctx);
    await signUp(ctx, form("a@example.com"), from("203.0.113.9"), CHEAP);
    await signUp(ctx, form("b@example.com"), from("203.0.113.9"), CHEAP);
    await expectAppError(signUp(ctx, form("c@example.com"), from("203.0.113.9"), CHEAP), "too_many_requests");
    expect(getUserByEmail(ctx.db, "c@example.com")).toBeUndefined();
  });

  it("does not count a form with field errors", async () => {
    const ctx = setup();
    const bad = { email: "not an email", name: "", password: "" };
    for (let i = 0; i < ctx.env.SIGNUP_LIMIT_PER_IP_PER_HOUR + 1; i++) {
      await expectAppError(signUp(ctx, bad, from("203.0.113.3")), "invalid_request");
    }
    await signUp(ctx, form("still-fine@example.com"), from("203.0.113.3"));
  });
});
