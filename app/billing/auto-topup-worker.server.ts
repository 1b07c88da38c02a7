/**
 * The auto top-up worker (app/billing/auto-topup.server.ts, step 2): charges pending attempts after
 * each commit that recorded one and on a timer, and reconciles attempts whose webhook never came
 * (./auto-topup-reconcile.server.ts). A module of its own because reconciling applies what Stripe
 * has through auto-topup's webhook functions: imports run worker → reconcile → auto-topup, no cycle.
 */
import { registerEventConsumer } from "../events/outbox.server";
import { log } from "../utils/log.server";
import { reconcileOpenAttempts } from "./auto-topup-reconcile.server";
import { autoTopupConsumer, chargePendingAttempts } from "./auto-topup.server";
import type { StripeContext } from "./context.server";

export interface AutoTopupWorker {
  /** Charges every pending attempt; resolves when none is left (or only ones Stripe could not take yet). */
  run(): Promise<void>;
  wake(): void;
  stop(): void;
}

/**
 * Registers the consumer and starts the worker: woken after each dispatch that recorded
 * something, and every `pollMs` for attempts left pending (a crash, Stripe unreachable). At most
 * every `reconcileEveryMs` (default `pollMs`, and at start) it also asks Stripe about attempts whose
 * webhook has not come after `reconcileAfterMs` (./auto-topup-reconcile.server.ts).
 */
export function startAutoTopup(
  ctx: StripeContext,
  opts: { pollMs?: number; reconcileEveryMs?: number; reconcileAfterMs?: number } = {},
): AutoTopupWorker {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const reconcileEveryMs = opts.reconcileEveryMs ?? opts.pollMs ?? 30_000;
  let lastReconcileMs = -Infinity;
  const reconcileIfDue = async () => {
    const nowMs = ctx.clock.now().getTime();
    if (nowMs - lastReconcileMs < reconcileEveryMs) return;
    lastReconcileMs = nowMs;
    await reconcileOpenAttempts(ctx, { olderThanMs: opts.reconcileAfterMs });
  };
  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await chargePendingAttempts(ctx)
          .then(reconcileIfDue)
          .catch((e) => log.error("auto top-up worker failed", { error: e instanceof Error ? e.message : String(e) }));
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
    return running;
  };
  const wake = () => {
    if (!stopped) void run();
  };
  const unregister = registerEventConsumer(autoTopupConsumer(ctx.clock, wake));
  const timer = setInterval(wake, opts.pollMs ?? 30_000);
  timer.unref();
  wake();
  return {
    run,
    wake,
    stop() {
      stopped = true;
      clearInterval(timer);
      unregister();
    },
  };
}
