import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { recordAudit, userActor } from "~/auth/audit.server";
import { requireAdmin } from "~/auth/session.server";
import { getStripe } from "~/billing/stripe.server";
import { listStripeEvents, replayStripeEvent } from "~/billing/webhook.server";
import { Card, PageHeader } from "~/components/AppShell";
import { formatDateTime } from "~/components/format";
import { Alert, SubmitButton } from "~/components/forms";
import { STRIPE_EVENT_STATUSES, type StripeEventStatus } from "../../db/schema";
import { httpStatusFor, isAppError } from "~/utils/errors";

export const meta: MetaFunction = () => [{ title: "Stripe events — Admin — Credits" }];

const FILTERS: Record<string, StripeEventStatus[]> = {
  attention: ["held", "failed", "received"],
  all: [...STRIPE_EVENT_STATUSES],
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const show = new URL(request.url).searchParams.get("show") === "all" ? "all" : "attention";
  return { show, events: listStripeEvents(context.db, { statuses: FILTERS[show], limit: 200 }) };
}

/** Replays one stored event (the same domain call as POST /api/admin/stripe-events/:id/replay). */
export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const form = await request.formData();
  const eventId = String(form.get("eventId") ?? "");
  if (form.get("intent") !== "replay" || !eventId) {
    return data({ ok: false as const, message: "That action is not available." }, { status: 400 });
  }
  try {
    const result = await replayStripeEvent(context, getStripe(context), eventId);
    context.db.transaction(
      () =>
        recordAudit(context.db, context.clock, {
          actor: userActor(admin.id),
          action: "stripe_event.replay",
          subject: `stripe_event:${eventId}`,
          details: { outcome: result.outcome, status: result.event.status, reason: result.reason },
        }),
      { behavior: "immediate" },
    );
    const ok = result.event.status === "processed" || result.event.status === "ignored";
    const message =
      result.outcome === "duplicate"
        ? `${eventId} had already been processed; nothing was applied again.`
        : ok
          ? `${eventId} was replayed: ${result.event.status}.`
          : `${eventId} is still ${result.event.status}: ${result.reason ?? "no reason given"}`;
    return { ok, message };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return data({ ok: false as const, message: e.message }, { status: httpStatusFor(e.code) });
  }
}

const STATUS_TONES: Record<string, string> = {
  held: "bg-amber-50 text-amber-800 ring-amber-600/20",
  failed: "bg-red-50 text-red-800 ring-red-600/20",
  received: "bg-sky-50 text-sky-800 ring-sky-600/20",
  processed: "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
  ignored: "bg-slate-100 text-slate-700 ring-slate-500/20",
};

const th = "px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-600";
const td = "px-3 py-2 align-top text-sm text-slate-800";

export default function AdminEvents() {
  const { show, events } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  return (
    <div className="space-y-6">
      <PageHeader title="Stripe events">
        Webhook events that need attention: <strong>held</strong> (e.g. a price without credits metadata — create the
        plan for it, then replay), <strong>failed</strong> (a processing error; Stripe retries too) and{" "}
        <strong>received</strong> (a transient failure waiting for Stripe's retry). Replaying a processed event never
        grants twice.
      </PageHeader>
      {result ? <Alert tone={result.ok ? "success" : "error"}>{result.message}</Alert> : null}
      <p className="text-sm">
        {show === "all" ? (
          <Link to="/admin/events" className="text-indigo-700 underline">
            Show only events that need attention
          </Link>
        ) : (
          <Link to={`/admin/events?${new URLSearchParams({ ...Object.fromEntries(params), show: "all" })}`} className="text-indigo-700 underline">
            Show all recent events
          </Link>
        )}
      </p>
      <Card>
        {events.length === 0 ? (
          <p className="text-sm text-slate-600" data-testid="no-events">
            {show === "all" ? "No Stripe events yet." : "Nothing needs attention."}
          </p>
        ) : (
          <div className="overflow-x-auto">
            <table className="min-w-full divide-y divide-slate-200" data-testid="stripe-events">
              <thead>
                <tr>
                  <th className={th}>Event</th>
                  <th className={th}>Status</th>
                  <th className={th}>Reason</th>
                  <th className={th}>Attempts</th>
                  <th className={th}>Last attempt</th>
                  <th className={th}>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {events.map((e) => (
                  <tr key={e.id} data-event={e.id}>
                    <td className={td}>
                      <span className="block font-mono text-xs">{e.id}</span>
                      <span className="text-slate-600">{e.type}</span>
                    </td>
                    <td className={td}>
                      <span
                        className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS_TONES[e.status] ?? ""}`}
                      >
                        {e.status}
                      </span>
                    </td>
                    <td className={`${td} max-w-md break-words text-slate-700`}>{e.error ?? "—"}</td>
                    <td className={`${td} tabular-nums`}>{e.attempts}</td>
                    <td className={td}>{formatDateTime(e.updatedAt)}</td>
                    <td className={td}>
                      <Form method="post">
                        <input type="hidden" name="intent" value="replay" />
                        <SubmitButton name="eventId" value={e.id} variant="secondary" pendingText="Replaying…">
                          Replay
                        </SubmitButton>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
