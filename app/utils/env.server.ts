import { isIP } from "node:net";
import { z } from "zod";

/** A whole number in a range, with a message a person can act on ("PORT: must be a whole number from 0 to 65535"). */
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) => {
  const message =
    max === Number.MAX_SAFE_INTEGER
      ? `must be a whole number ≥ ${min}`
      : `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ invalid_type_error: message }).int(message).min(min, message).max(max, message);
};

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: wholeNumber(0, 65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_PATH: z.string().min(1).default("./data/app.db"),
  SESSION_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  /**
   * DEMO=1: the offline Stripe and the demo seed, with a "no real payments" banner on every page.
   * The only way to run production without a real Stripe key (what `npm run demo` sets).
   */
  DEMO: z.enum(["0", "1"], { errorMap: () => ({ message: "must be 1 or 0" }) }).default("0"),
  /**
   * Which proxy may name the client's address (app/auth/client-ip.server.ts): `fly` trusts
   * Fly-Client-IP, a whole number N trusts N X-Forwarded-For hops; unset trusts no header.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(fly|\d{1,2})$/, "must be fly or a whole number of proxy hops such as 1")
    .optional(),
  /**
   * How long a client may take to send a whole request (408 after); headers get at most 20 s of it.
   * Lowered only by tests; the server never waits longer than 30 s.
   */
  HTTP_REQUEST_TIMEOUT_SECONDS: wholeNumber(1, 30).default(30),
  /**
   * Sign-ups one client address may make in an hour (app/auth/throttle.server.ts). Raise it where
   * many people share one address (an office behind NAT); the e2e suite raises it for its many accounts.
   */
  SIGNUP_LIMIT_PER_IP_PER_HOUR: wholeNumber(1, 1_000_000).default(30),
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
  /**
   * Outgoing mail (app/mail/): smtp[s]://user:pass@host:port[?requireTLS=true]. Required in production
   * unless DEMO=1; without it mail is printed to the log and kept on /admin/outbox, never sent.
   */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, "must be an smtp:// or smtps:// URL such as smtp://user:pass@smtp.example.com:587")
    .optional(),
  /** The From of every message; default "Credits <no-reply@APP_URL's host>". */
  MAIL_FROM: z.string().max(320).regex(/@/, "must be an address such as Credits <billing@example.com>").optional(),
  /** Schedules for the in-process jobs, in seconds; 0 turns a job off. */
  EXPIRY_SWEEP_INTERVAL_SECONDS: wholeNumber(0).default(60),
  BALANCE_SYNC_INTERVAL_SECONDS: wholeNumber(0).default(3600),
  /** `credits.expiring_soon` fires once per grant with credits left this many days before it expires. */
  EXPIRING_SOON_DAYS: wholeNumber(1, 365).default(7),
  /** `balance.low` below this many credits, for users without their own threshold; 0 = off. */
  LOW_BALANCE_THRESHOLD: wholeNumber(0).default(100),
  /**
   * Internal webhook receivers (app/webhooks/addresses.server.ts): comma-separated host names and
   * IPs or CIDRs that endpoints may reach although they are loopback, private or otherwise inside.
   */
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .transform((v, ctx) => {
      const parsed = parseAllowedHosts(v);
      if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
      return typeof parsed === "string" ? z.NEVER : parsed;
    })
    .optional(),
  /** `backup verify` from the server; unset = daily (off under NODE_ENV=test); 0 = off. */
  BACKUP_VERIFY_INTERVAL_SECONDS: wholeNumber(0).optional(),
});

export interface AllowedHosts {
  /** Lower-case host names allowed whatever they resolve to. */
  names: string[];
  /** Address ranges allowed (a single IP is a /32 or /128). */
  nets: { address: string; prefix: number; family: "ipv4" | "ipv6" }[];
}

/** `hooks.internal, 10.0.0.0/8, fd00::1` → names and ranges, or the problem with the first bad entry. */
export function parseAllowedHosts(value: string): AllowedHosts | string {
  const out: AllowedHosts = { names: [], nets: [] };
  for (const raw of value.split(",")) {
    const entry = raw
      .trim()
      .toLowerCase()
      .replace(/^\[(.*)\]$/, "$1");
    if (!entry) continue;
    const [address, prefixText, extra] = entry.split("/");
    const version = isIP(address);
    if (version) {
      const max = version === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max || prefixText === "") {
        return `"${raw.trim()}" has a bad prefix length (use e.g. 10.0.0.0/8 or fd00::/8)`;
      }
      out.nets.push({ address, prefix, family: version === 4 ? "ipv4" : "ipv6" });
    } else if (
      prefixText === undefined &&
      /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/.test(entry)
    ) {
      out.names.push(entry.replace(/\.$/, ""));
    } else {
      return `"${raw.trim()}" is neither a host name nor an IP address or CIDR range`;
    }
  }
  return out;
}

export type TrustProxy = { kind: "none" } | { kind: "fly" } | { kind: "hops"; hops: number };

/** What a production deployment must set; DEMO=1 stands in for the Stripe pair (the offline Stripe). */
const MIN_PRODUCTION_SESSION_SECRET = 32;

export type Env = z.infer<typeof schema> & {
  /** True when no real Stripe key is set: the app uses the offline Stripe. */
  stripeOffline: boolean;
  /** DEMO=1: offline Stripe and demo data on purpose; pages say "no real payments". */
  demo: boolean;
  trustProxy: TrustProxy;
  webhookAllowedHosts: AllowedHosts;
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
  const demo = env.DEMO === "1";
  const production = env.NODE_ENV === "production";
  if (demo && env.STRIPE_SECRET_KEY) {
    problems.push(
      "DEMO: DEMO=1 runs the offline Stripe with no real payments; unset STRIPE_SECRET_KEY, or unset DEMO to use the real key",
    );
  } else if (production && !demo) {
    // Production fails closed: without these it would take no real payments, seed the published
    // demo logins and sign sessions with a value anyone can read in the source.
    if (!env.STRIPE_SECRET_KEY) {
      problems.push(
        "STRIPE_SECRET_KEY: required in production (or set DEMO=1 for a demo on the offline Stripe, with no real payments)",
      );
    }
    if (!env.STRIPE_WEBHOOK_SECRET)
      problems.push("STRIPE_WEBHOOK_SECRET: required in production (the whsec_… of the webhook endpoint)");
  } else if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET) {
    problems.push("STRIPE_WEBHOOK_SECRET: required when STRIPE_SECRET_KEY is set");
  }
  if (production && !demo && !env.SMTP_URL) {
    // Fail closed: "we sent you a link" must not be a lie. DEMO=1 keeps mail on /admin/outbox.
    problems.push(
      "SMTP_URL: required in production (password resets and notices are sent by email), e.g. smtps://user:pass@smtp.example.com:465",
    );
  }
  if (production && (env.SESSION_SECRET ?? "").length < MIN_PRODUCTION_SESSION_SECRET) {
    problems.push(
      `SESSION_SECRET: required in production, at least ${MIN_PRODUCTION_SESSION_SECRET} characters (e.g. openssl rand -hex 32)`,
    );
  }
  if (problems.length) throw new EnvError(problems);
  return {
    ...env,
    stripeOffline: !env.STRIPE_SECRET_KEY,
    demo,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    webhookAllowedHosts: env.WEBHOOK_ALLOWED_HOSTS ?? { names: [], nets: [] },
    appUrl: (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ""),
    // Development and tests only: production refused a missing or short secret above.
    sessionSecret: env.SESSION_SECRET ?? "dev-only-session-secret-change-me-0123456789",
  };
}

function parseTrustProxy(value: string | undefined): TrustProxy {
  if (value === undefined) return { kind: "none" };
  if (value === "fly") return { kind: "fly" };
  const hops = Number(value);
  return hops === 0 ? { kind: "none" } : { kind: "hops", hops };
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
