import { requireAdminCaller } from "../auth/admin-caller.server";
import { recordAudit } from "../auth/audit.server";
import { replayStripeEvent } from "../billing/webhook.server";
import { apiResource, jsonResponse } from "../utils/http.server";
import { writeTransaction } from "../../db/transaction";

// POST /api/admin/stripe-events/:eventId/replay (no body; admin session or admin API key)
// Re-processes a stored Stripe event before answering 200 {event: {id, status}, outcome, reason}.
// A processed event is not applied again (outcome "duplicate"); unknown event → 404.
const route = apiResource({
  POST: async ({ request, context, params }) => {
    const caller = await requireAdminCaller(request, context);
    const result = await replayStripeEvent(context.billing, context.billing.stripe, params.eventId ?? "");
    writeTransaction(context.db, () =>
      recordAudit(context, {
        actor: caller.actor,
        action: "stripe_event.replay",
        subject: `stripe_event:${result.event.id}`,
        details: { outcome: result.outcome, status: result.event.status, reason: result.reason },
      }),
    );
    return jsonResponse(result);
  },
});
export const loader = route.loader;
export const action = route.action;
