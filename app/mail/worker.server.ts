import type { DbClock } from "../utils/context.server";
import { log } from "../utils/log.server";
import { SECURITY_KINDS, type MailKind } from "./kinds";
import { dueMail, updateMail, type MailRow } from "./outbox.server";
import type { MailSender } from "./transport.server";

/**
 * Sends pending mail after commit. Each message is tried, and on failure tried again after a
 * growing pause (30 s, 2 min, 8 min, 32 min, ~2 h, then every 6 h) until MAX_ATTEMPTS, then
 * marked failed; an address the server refuses outright (5xx on RCPT TO) fails at once. Delivery
 * is at least once: a crash between the SMTP server's "OK" and our update sends that one again.
 */
export const MAIL_RETRY = { maxAttempts: 8, firstDelayMs: 30_000, factor: 4, maxDelayMs: 6 * 3_600_000 } as const;

/** The pause after the n-th failed attempt (n ≥ 1). */
export function retryDelayMs(failedAttempts: number): number {
  const { firstDelayMs, factor, maxDelayMs } = MAIL_RETRY;
  return Math.min(maxDelayMs, firstDelayMs * factor ** Math.max(0, failedAttempts - 1));
}

export interface DeliveryResult {
  sent: number;
  retried: number;
  failed: number;
  expired: number;
}

/** What is left of a security message once an SMTP server has it: the link must not stay in a database copy. */
export const REDACTED_BODY = "(Removed after sending: this message held a password reset link.)";

function permanent(e: unknown): boolean {
  const err = e as { code?: string; responseCode?: number };
  return err?.code === "EENVELOPE" && typeof err.responseCode === "number" && err.responseCode >= 500;
}

function describe(e: unknown): string {
  const err = e as { message?: string; responseCode?: number };
  return `${err?.responseCode ? `${err.responseCode} ` : ""}${err?.message ?? String(e)}`.slice(0, 500);
}

async function deliverOne(ctx: DbClock, sender: MailSender, from: string, row: MailRow, r: DeliveryResult) {
  const now = ctx.clock.now();
  if (row.expiresAt && row.expiresAt <= now) {
    updateMail(ctx.db, row.id, { status: "expired", lastError: "expired before it could be sent" });
    r.expired++;
    return;
  }
  const attempts = row.attempts + 1;
  try {
    await sender.send({
      from,
      to: row.toAddress,
      subject: row.subject,
      text: row.text,
      html: row.html,
      outboxId: row.id,
    });
  } catch (e) {
    const giveUp = permanent(e) || attempts >= MAIL_RETRY.maxAttempts;
    const at = ctx.clock.now();
    updateMail(ctx.db, row.id, {
      attempts,
      lastError: describe(e),
      status: giveUp ? "failed" : "pending",
      nextAttemptAt: giveUp ? row.nextAttemptAt : new Date(at.getTime() + retryDelayMs(attempts)),
    });
    // A retry is routine (the SMTP server was busy or down); giving up is what someone must look at.
    (giveUp ? log.warn : log.info)(giveUp ? "mail failed; giving up" : "mail failed; will retry", {
      outboxId: row.id,
      kind: row.kind,
      attempts,
      error: describe(e),
    });
    if (giveUp) r.failed++;
    else r.retried++;
    return;
  }
  const redact = sender.kind === "smtp" && SECURITY_KINDS.includes(row.kind as MailKind);
  updateMail(ctx.db, row.id, {
    attempts,
    status: "sent",
    sentAt: ctx.clock.now(),
    transport: sender.kind,
    lastError: null,
    ...(redact ? { text: REDACTED_BODY, html: REDACTED_BODY } : {}),
  });
  r.sent++;
}

/** Sends every message due now (in batches of `batchSize`), one at a time; safe to call at any time. */
export async function deliverDueMail(
  ctx: DbClock,
  sender: MailSender,
  from: string,
  opts: { batchSize?: number } = {},
): Promise<DeliveryResult> {
  const batchSize = opts.batchSize ?? 20;
  const r: DeliveryResult = { sent: 0, retried: 0, failed: 0, expired: 0 };
  for (;;) {
    const batch = dueMail(ctx.db, ctx.clock.now(), batchSize);
    for (const row of batch) await deliverOne(ctx, sender, from, row, r);
    // A retried row is no longer due, so this ends; a full batch may have more behind it.
    if (batch.length < batchSize) return r;
  }
}

export interface MailWorker {
  /** Runs a delivery now (or right after the current one). Resolves when that run is done. */
  poke(): Promise<void>;
  stop(): Promise<void>;
}

let current: MailWorker | null = null;

/** After a commit that enqueued mail: send it now rather than at the next poll. Cheap; no-op without a worker. */
export function notifyMail(): void {
  const worker = current;
  if (worker) setImmediate(() => void worker.poke());
}

/**
 * The in-process worker: a delivery every `intervalMs` (picks up retries and anything left from
 * before a restart) and on every notifyMail(). Never two deliveries at once.
 */
export function startMailWorker(
  ctx: DbClock,
  sender: MailSender,
  opts: { from: string; intervalMs?: number },
): MailWorker {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const run = async (): Promise<void> => {
    do {
      again = false;
      try {
        await deliverDueMail(ctx, sender, opts.from);
      } catch (e) {
        // A database error (full disk): the rows are still pending; the next tick tries again.
        log.error("mail delivery run failed", { error: e instanceof Error ? e.message : String(e) });
      }
    } while (again && !stopped);
  };
  const poke = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = run().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => void poke(), opts.intervalMs ?? 5_000);
  timer.unref();
  const worker: MailWorker = {
    poke,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (current === worker) current = null;
      await running;
      sender.close();
    },
  };
  current = worker;
  setImmediate(() => void poke());
  return worker;
}
