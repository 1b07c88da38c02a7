/**
 * Auto top-up's moving parts in-process, for tests: the event dispatcher and the auto top-up
 * worker on hour-long polls (the test runs them through `settle`), and a customer with a card
 * saved by a paid pack and auto top-up on.
 */
import { startEventDispatcher, type EventDispatcher } from "../../app/events/dispatcher.server";
import { setAutoTopup } from "../../app/billing/auto-topup.server";
import { startAutoTopup, type AutoTopupWorker } from "../../app/billing/auto-topup-worker.server";
import { payTopup, type BillingHarness } from "./harness";

export interface AutoTopupRig {
  b: BillingHarness;
  dispatcher: EventDispatcher;
  worker: AutoTopupWorker;
  /** Dispatch, charge, deliver the webhooks: until nothing moves (and, by default, nothing is pending). */
  settle(): Promise<void>;
  stop(): void;
}

export function startAutoTopupRig(
  b: BillingHarness,
  opts: { reconcileEveryMs?: number; untilNoPending?: boolean } = {},
): AutoTopupRig {
  const dispatcher = startEventDispatcher(b.context, { pollMs: 3_600_000 });
  const worker = startAutoTopup(b.context.billing, { pollMs: 3_600_000, reconcileEveryMs: opts.reconcileEveryMs });
  const pending = () =>
    b.context.db.$client
      .prepare(`select count(*) from auto_topup_attempts where status = 'pending'`)
      .pluck()
      .get() as number;
  const settle = async () => {
    for (let i = 0; i < 10; i++) {
      const moved = dispatcher.runOnce();
      await worker.run();
      await b.offline.flush();
      if (moved === 0 && (opts.untilNoPending === false || pending() === 0)) return;
    }
  };
  return {
    b,
    dispatcher,
    worker,
    settle,
    stop() {
      dispatcher.stop();
      worker.stop();
    },
  };
}

/** A customer with 1,000 credits from a paid pack (card saved) and auto top-up on. */
export async function autoTopupCustomer(r: AutoTopupRig, opts: { threshold?: number; cap?: number } = {}) {
  const user = r.b.newUser();
  await payTopup(r.b, user);
  setAutoTopup(
    r.b.context,
    user,
    { enabled: true, topupPlanId: r.b.plans.pack.id, threshold: opts.threshold ?? 500, monthlyCapPacks: opts.cap ?? 3 },
    "test",
  );
  return user;
}
