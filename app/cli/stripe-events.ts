import { billingContext } from "../billing/context.server";
import { listStripeEvents, replayStripeEvent } from "../billing/webhook.server";
import { STRIPE_EVENT_STATUSES } from "../../db/schema";
import { AppError } from "../utils/errors";
import type { CliCommand } from "./command";

/**
 * Stripe webhook events for operators: what is held or failed (the admin page shows the same),
 * and a replay once the cause is fixed. Replaying calls Stripe, so it needs the real key.
 */
export const stripeEventCommands: Record<string, CliCommand> = {
  "stripe-events list": {
    summary: "Held, failed and unapplied Stripe events, one JSON line each; --all for every recent event",
    options: { all: { type: "boolean" } },
    run(ctx, values, io) {
      const events = listStripeEvents(ctx.db, {
        statuses: values.all ? [...STRIPE_EVENT_STATUSES] : undefined,
        limit: 500,
      });
      for (const e of events) io.out(`${JSON.stringify(e)}\n`);
      io.err(`${events.length} event(s)\n`);
    },
  },
  "stripe-events replay": {
    summary: "Re-process a stored Stripe event (--id evt_…); a processed one is not applied again",
    options: { id: { type: "string" } },
    async run(ctx, values, io) {
      if (typeof values.id !== "string" || !values.id)
        throw new AppError("invalid_request", "--id evt_… is required", { field: "id" });
      const result = await replayStripeEvent(ctx, billingContext(ctx).stripe, values.id);
      io.out(`${JSON.stringify(result)}\n`);
    },
  },
};
