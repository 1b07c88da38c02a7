import { describe, expect, it } from "vitest";
import { EnvError, parseEnv as parseProcessEnv } from "./env.server";

const parseEnv = (source: Record<string, string>) => parseProcessEnv(source as NodeJS.ProcessEnv);

const SECRET = "s".repeat(32);
const REAL = {
  STRIPE_SECRET_KEY: "sk_live_abc",
  STRIPE_WEBHOOK_SECRET: "whsec_abc",
  SESSION_SECRET: SECRET,
  SMTP_URL: "smtps://user:pass@smtp.example.com:465",
};

function problems(source: Record<string, string>): string[] {
  try {
    parseEnv(source);
    return [];
  } catch (e) {
    if (e instanceof EnvError) return e.problems;
    throw e;
  }
}

describe("production configuration", () => {
  it("refuses production without Stripe keys, a session secret and SMTP, with one message per problem", () => {
    const found = problems({ NODE_ENV: "production" });
    expect(found).toHaveLength(4);
    expect(found.filter((p) => p.startsWith("SMTP_URL:"))).toHaveLength(1);
    expect(found.filter((p) => p.startsWith("STRIPE_SECRET_KEY:"))).toHaveLength(1);
    expect(found.filter((p) => p.startsWith("STRIPE_WEBHOOK_SECRET:"))).toHaveLength(1);
    expect(found.filter((p) => p.startsWith("SESSION_SECRET:"))).toHaveLength(1);
    expect(found.join("\n")).toContain("DEMO=1");
  });

  it("refuses a production session secret shorter than 32 characters", () => {
    expect(problems({ NODE_ENV: "production", ...REAL, SESSION_SECRET: "x".repeat(31) })).toEqual([
      expect.stringMatching(/^SESSION_SECRET: .*32 characters/),
    ]);
  });

  it("starts production with a real key, its webhook secret and a long session secret", () => {
    const env = parseEnv({ NODE_ENV: "production", ...REAL });
    expect(env.stripeOffline).toBe(false);
    expect(env.demo).toBe(false);
    expect(env.sessionSecret).toBe(SECRET);
  });

  it("runs production on the offline Stripe only with DEMO=1, and still needs a session secret", () => {
    const env = parseEnv({ NODE_ENV: "production", DEMO: "1", SESSION_SECRET: SECRET });
    expect(env.stripeOffline).toBe(true);
    expect(env.demo).toBe(true);
    expect(problems({ NODE_ENV: "production", DEMO: "1" })).toEqual([expect.stringMatching(/^SESSION_SECRET:/)]);
  });

  it("refuses DEMO=1 together with a real Stripe key, in any mode", () => {
    for (const NODE_ENV of ["production", "development", "test"]) {
      expect(problems({ NODE_ENV, DEMO: "1", ...REAL }), NODE_ENV).toEqual([expect.stringMatching(/^DEMO: /)]);
    }
  });

  it("never falls back to a built-in session secret in production", () => {
    expect(problems({ NODE_ENV: "production", ...REAL, SESSION_SECRET: "" })).toEqual([
      expect.stringMatching(/^SESSION_SECRET:/),
    ]);
  });

  it("keeps the offline Stripe as the default in development and tests", () => {
    for (const NODE_ENV of ["development", "test"] as const) {
      const env = parseEnv({ NODE_ENV });
      expect(env.stripeOffline).toBe(true);
      expect(env.sessionSecret.length).toBeGreaterThanOrEqual(32);
    }
  });

  it("needs SMTP_URL in production unless DEMO=1 (mail then stays on /admin/outbox), and checks its form", () => {
    expect(problems({ NODE_ENV: "production", ...REAL, SMTP_URL: "" })).toEqual([
      expect.stringMatching(/^SMTP_URL: required/),
    ]);
    expect(problems({ NODE_ENV: "production", DEMO: "1", SESSION_SECRET: SECRET })).toEqual([]);
    expect(problems({ SMTP_URL: "http://smtp.example.com" })).toEqual([
      expect.stringMatching(/^SMTP_URL: must be an smtp/),
    ]);
    expect(problems({ MAIL_FROM: "nobody" })).toEqual([expect.stringMatching(/^MAIL_FROM: /)]);
    expect(parseEnv({ SMTP_URL: "smtp://127.0.0.1:2525", MAIL_FROM: "Billing <billing@example.com>" }).SMTP_URL).toBe(
      "smtp://127.0.0.1:2525",
    );
  });

  it("accepts only 1 or 0 for DEMO", () => {
    expect(problems({ DEMO: "yes" })).toEqual([expect.stringMatching(/^DEMO: /)]);
  });
});

describe("TRUST_PROXY", () => {
  it("is none when unset, fly for `fly`, and a hop count for a whole number", () => {
    expect(parseEnv({}).trustProxy).toEqual({ kind: "none" });
    expect(parseEnv({ TRUST_PROXY: "fly" }).trustProxy).toEqual({ kind: "fly" });
    expect(parseEnv({ TRUST_PROXY: "2" }).trustProxy).toEqual({ kind: "hops", hops: 2 });
  });

  it("refuses anything else with one message", () => {
    for (const bad of ["true", "-1", "1.5", "loopback"]) {
      expect(problems({ TRUST_PROXY: bad }), bad).toEqual([expect.stringMatching(/^TRUST_PROXY: /)]);
    }
  });
});
