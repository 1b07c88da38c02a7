import { z } from "zod";

/** A whole number in a range, with a message a person can act on ("PORT: must be a whole number from 0 to 65535"). */
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) => {
  const message = max === Number.MAX_SAFE_INTEGER ? `must be a whole number ≥ ${min}` : `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ invalid_type_error: message }).int(message).min(min, message).max(max, message);
};

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: wholeNumber(0, 65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_PATH: z.string().min(1).default("./data/app.db"),
  SESSION_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  APP_URL: z.string().url("must be a URL such as http://localhost:3000").optional(),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_/, "must start with sk_test_, sk_live_, rk_test_ or rk_live_")
    .optional(),
  STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_", "must start with whsec_").optional(),
  /**
   * A Stripe-compatible base URL (e.g. stripe-mock), used together with STRIPE_SECRET_KEY. Without
   * a key the app starts the offline Stripe instead and ignores this (with a warning): stripe-mock
   * keeps no state and sends no webhooks, so a keyless demo could not complete a payment on it.
   */
  STRIPE_API_BASE: z.string().url("must be a URL such as http://localhost:12111").optional(),
  /** Port of the offline Stripe (only started without STRIPE_SECRET_KEY); unset = any free port. */
  STRIPE_OFFLINE_PORT: wholeNumber(0, 65535).optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /** Schedules for the in-process jobs, in seconds; 0 turns a job off. */
  EXPIRY_SWEEP_INTERVAL_SECONDS: wholeNumber(0).default(60),
  BALANCE_SYNC_INTERVAL_SECONDS: wholeNumber(0).default(3600),
});

export type Env = z.infer<typeof schema> & {
  /** True when no real Stripe key is set: the app uses the offline Stripe. */
  stripeOffline: boolean;
  appUrl: string;
  sessionSecret: string;
};

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Validates the environment once, with one clear message per bad value. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const env = result.data;
  const problems: string[] = [];
  if (env.NODE_ENV === "production" && !env.SESSION_SECRET && env.STRIPE_SECRET_KEY) {
    problems.push("SESSION_SECRET: required in production with a real Stripe key");
  }
  if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET) {
    problems.push("STRIPE_WEBHOOK_SECRET: required when STRIPE_SECRET_KEY is set");
  }
  if (problems.length) throw new EnvError(problems);
  return {
    ...env,
    stripeOffline: !env.STRIPE_SECRET_KEY,
    appUrl: (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ""),
    sessionSecret: env.SESSION_SECRET ?? "dev-only-session-secret-change-me",
  };
}

/**
 * parseEnv for a process entry point (server, CLI): a bad configuration is printed as its one
 * message to stderr and exits 1, rather than a stack trace; any other error is thrown.
 */
export function parseEnvOrExit(source: NodeJS.ProcessEnv = process.env): Env {
  try {
    return parseEnv(source);
  } catch (e) {
    if (e instanceof EnvError) {
      process.stderr.write(e.message + "\n");
      process.exit(1);
    }
    throw e;
  }
}
