import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { z } from "zod";
import { userActor } from "../auth/audit.server";
import { PUBLIC_EVENT_TYPES } from "../events/outbox.server";
import type { DbClock } from "../utils/context.server";
import { httpStatusFor, isAppError } from "../utils/errors";
import { replyWithError } from "../utils/forms.server";
import {
  createWebhookEndpoint,
  DEFAULT_WEBHOOK_EVENTS,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  rotateWebhookSecret,
  sendTestWebhook,
  updateWebhookEndpoint,
  webhookEventTypeSchema,
  type WebhookAddressPolicy,
  type WebhookDeliveryJson,
  type WebhookEndpointJson,
} from "../webhooks/index.server";
import { endpointActionSchema, endpointFormSchema, EVENTS_MESSAGE } from "./webhook-forms";

const FIELDS = ["url", "description", "events"];
const DELIVERIES_PER_PAGE = 25;

/** The server's schema: the browser's, with the event types checked against the published list. */
const serverEndpointSchema = endpointFormSchema.extend({
  events: z
    .array(webhookEventTypeSchema, { required_error: EVENTS_MESSAGE, invalid_type_error: EVENTS_MESSAGE })
    .min(1, EVENTS_MESSAGE),
});

export function webhooksView(ctx: DbClock) {
  return {
    endpoints: listWebhookEndpoints(ctx),
    eventTypes: [...PUBLIC_EVENT_TYPES] as string[],
    defaultEvents: [...DEFAULT_WEBHOOK_EVENTS] as string[],
  };
}

export function webhookEndpointView(
  ctx: DbClock,
  id: number,
  before: number | null,
): {
  endpoint: WebhookEndpointJson;
  deliveries: WebhookDeliveryJson[];
  nextBefore: number | null;
  eventTypes: string[];
} | null {
  const endpoint = listWebhookEndpoints(ctx).find((e) => e.id === id);
  if (!endpoint) return null;
  const page = listWebhookDeliveries(ctx.db, id, { limit: DELIVERIES_PER_PAGE, beforeId: before });
  return { endpoint, deliveries: page.data, nextBefore: page.nextBeforeId, eventTypes: [...PUBLIC_EVENT_TYPES] };
}

type Result = SubmissionResult<string[]>;
export type WebhookAnswer =
  | { status: number; form: "endpoint" | "action"; result: Result }
  /** Created or rotated: the signing secret, in this answer only. */
  | {
      status: 200;
      form: "endpoint" | "action";
      result: Result;
      secret: { endpointId: number; url: string; value: string; rotated: boolean };
    }
  | { status: 200; form: "action"; result: Result; rotateConfirm: { id: number; url: string } }
  /** Done: the page redirects with this toast. */
  | { status: 303; message: string };

interface Caller {
  admin: { id: number };
  policy: WebhookAddressPolicy;
}

/** /admin/webhooks: `create`. */
export async function submitCreateEndpoint(ctx: DbClock, caller: Caller, form: FormData): Promise<WebhookAnswer> {
  const submission = parseWithZod(form, { schema: serverEndpointSchema });
  if (submission.status !== "success" || submission.value.intent !== "create") {
    return { status: 400, form: "endpoint", result: submission.reply() };
  }
  const v = submission.value;
  try {
    const created = await createWebhookEndpoint(
      ctx,
      { url: v.url, events: v.events, description: v.description || null },
      { policy: caller.policy, actor: userActor(caller.admin.id) },
    );
    return {
      status: 200,
      form: "endpoint",
      result: submission.reply({ resetForm: true }),
      secret: { endpointId: created.id, url: created.url, value: created.secret, rotated: false },
    };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return {
      status: httpStatusFor(e.code),
      form: "endpoint",
      result: replyWithError(submission, e, { fields: FIELDS }),
    };
  }
}

/** /admin/webhooks/:id: `update`, `enable`/`disable`, `test`, `confirm-rotate` then `rotate`, `retry`. */
export async function submitEndpointForm(
  ctx: DbClock,
  caller: Caller,
  id: number,
  form: FormData,
): Promise<WebhookAnswer> {
  const actor = userActor(caller.admin.id);
  const endpoint = listWebhookEndpoints(ctx).find((e) => e.id === id);
  if (!endpoint) throw new Response("No such webhook endpoint.", { status: 404 });
  if (form.get("intent") === "update") {
    const submission = parseWithZod(form, { schema: serverEndpointSchema });
    if (submission.status !== "success") return { status: 400, form: "endpoint", result: submission.reply() };
    const v = submission.value;
    try {
      await updateWebhookEndpoint(
        ctx,
        id,
        { url: v.url, events: v.events, description: v.description || null },
        { policy: caller.policy, actor },
      );
    } catch (e) {
      if (!isAppError(e)) throw e;
      return {
        status: httpStatusFor(e.code),
        form: "endpoint",
        result: replyWithError(submission, e, { fields: FIELDS }),
      };
    }
    return { status: 303, message: "Saved the endpoint." };
  }
  const submission = parseWithZod(form, { schema: endpointActionSchema });
  if (submission.status !== "success") {
    return { status: 400, form: "action", result: submission.reply({ formErrors: ["That action is not available."] }) };
  }
  const v = submission.value;
  try {
    switch (v.intent) {
      case "enable":
      case "disable":
        await updateWebhookEndpoint(ctx, id, { enabled: v.intent === "enable" }, { policy: caller.policy, actor });
        return {
          status: 303,
          message:
            v.intent === "enable"
              ? "Enabled: new events are sent again, and deliveries that waited go out now."
              : "Disabled: new events are not sent here; pending deliveries wait until you enable it.",
        };
      case "test": {
        const sent = sendTestWebhook(ctx, id, actor);
        return { status: 303, message: `Queued a test event (${sent.eventId}); its delivery is listed below.` };
      }
      case "confirm-rotate":
        return { status: 200, form: "action", result: submission.reply(), rotateConfirm: { id, url: endpoint.url } };
      case "rotate": {
        const rotated = rotateWebhookSecret(ctx, id, actor);
        return {
          status: 200,
          form: "action",
          result: submission.reply(),
          secret: { endpointId: id, url: rotated.url, value: rotated.secret, rotated: true },
        };
      }
      case "retry":
        retryWebhookDelivery(ctx, v.deliveryId, actor, { endpointId: id });
        return { status: 303, message: `Delivery #${v.deliveryId} will be sent again in a moment.` };
    }
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { status: httpStatusFor(e.code), form: "action", result: submission.reply({ formErrors: [e.message] }) };
  }
}

/** `/admin/webhooks/:id`'s id, or a 404. */
export function endpointIdParam(raw: string | undefined): number {
  const id = /^\d{1,15}$/.test(raw ?? "") ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new Response("No such webhook endpoint.", { status: 404 });
  return id;
}
