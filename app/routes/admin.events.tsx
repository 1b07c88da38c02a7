import { parseWithZod } from "@conform-to/zod";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { recordAudit, userActor } from "~/auth/audit.server";
import { requireAdmin } from "~/auth/session.server";
import { findStripeEvents, isStripeEventStatus, listStripeEventTypes } from "~/pages/stripe-events-view.server";
import { replayStripeEvent } from "~/billing/webhook.server";
import { Card, NavList, PageHeader } from "~/components/AppShell";
import { DataTable } from "~/components/DataTable";
import { buttonStyles, SubmitButton } from "~/components/forms";
import { Badge, ResultAlert, Time, linkClass, type Tone } from "~/components/ui";
import { STRIPE_EVENT_STATUSES, type StripeEventStatus } from "../../db/schema";
import { httpStatusFor, isAppError } from "~/utils/errors";
import { writeTransaction } from "../../db/transaction";
import { pageTitle } from "~/components/format";

export const meta: MetaFunction = () => [{ title: pageTitle("Stripe events") }];

const FILTERS: Record<string, StripeEventStatus[]> = {
  attention: ["held", "failed", "received"],
  all: [...STRIPE_EVENT_STATUSES],
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const url = new URL(request.url);
  const show = url.searchParams.get("show") === "all" ? "all" : "attention";
  // Filters by type and status; a chosen status narrows whichever tab is open.
  const typeParam = (url.searchParams.get("type") ?? "").slice(0, 100);
  const types = listStripeEventTypes(context.db);
  const type = types.includes(typeParam) ? typeParam : "";
  const statusParam = url.searchParams.get("status");
  const status = isStripeEventStatus(statusParam) ? statusParam : "";
  const statuses = status ? [status] : FILTERS[show];
  return {
    show,
    type,
    status,
    types,
    events: findStripeEvents(context.db, { type: type || null, statuses, limit: 200 }),
  };
}

/** The replay button's form (on this page and on an event's page). */
const replaySchema = z.object({ intent: z.literal("replay"), eventId: z.string().trim().min(1).max(255) });

/** Replays one stored event (the same domain call as POST /api/admin/stripe-events/:id/replay). */
export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const submission = parseWithZod(await request.formData(), { schema: replaySchema });
  // A button with hidden inputs: a bad one is a stale or forged page, not something the person typed.
  if (submission.status !== "success") {
    return data({ ok: false as const, message: "That action is not available." }, { status: 400 });
  }
  const { eventId } = submission.value;
  try {
    const result = await replayStripeEvent(context.billing, context.billing.stripe, eventId);
    writeTransaction(context.db, () =>
      recordAudit(context, {
        actor: userActor(admin.id),
        action: "stripe_event.replay",
        subject: `stripe_event:${eventId}`,
        details: { outcome: result.outcome, status: result.event.status, reason: result.reason },
      }),
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

const STATUS_TONES: Record<StripeEventStatus, Tone> = {
  held: "amber",
  failed: "red",
  received: "sky",
  processed: "green",
  ignored: "slate",
};

const FILTER_LABELS: Record<keyof typeof FILTERS, string> = { attention: "Needs attention", all: "All recent" };

export default function AdminEvents() {
  const { show, type, status, types, events } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="space-y-6">
      <PageHeader title="Stripe events">
        Webhook events that need attention: <strong>held</strong> (e.g. a price without credits metadata — create the
        plan for it, then replay; an event whose body Stripe contradicts; a customer’s second subscription, which was
        canceled and refunded), <strong>failed</strong> (a processing error; Stripe retries too) and{" "}
        <strong>received</strong> (a transient failure waiting for Stripe’s retry). Replaying a processed event never
        grants twice.
      </PageHeader>
      <ResultAlert result={result} />
      <NavList
        label="Which events"
        items={(Object.keys(FILTERS) as (keyof typeof FILTERS)[]).map((key) => ({
          to: key === "attention" ? "/admin/events" : `/admin/events?show=${key}`,
          label: FILTER_LABELS[key],
          active: show === key,
        }))}
      />
      <Form method="get" className="flex flex-wrap items-end gap-3">
        {show === "all" ? <input type="hidden" name="show" value="all" /> : null}
        <FilterSelect name="type" label="Type" anyLabel="Any type" value={type} options={types} />
        <FilterSelect
          name="status"
          label="Status"
          anyLabel="Any status"
          value={status}
          options={STRIPE_EVENT_STATUSES}
        />
        <button type="submit" className={buttonStyles.secondary}>
          Filter
        </button>
      </Form>
      <Card>
        <DataTable
          caption="Stripe webhook events, most recently updated first"
          testId="stripe-events"
          emptyTestId="no-events"
          empty={show === "all" ? "No Stripe events yet." : "Nothing needs attention: every webhook was processed."}
          rows={events}
          rowKey={(e) => e.id}
          rowAttributes={(e) => ({ "data-event": e.id })}
          columns={[
            {
              header: "Event",
              cell: (e) => (
                <>
                  <Link to={`/admin/events/${e.id}`} className={`${linkClass} block break-all font-mono text-xs`}>
                    {e.id}
                  </Link>
                  <span className="text-slate-600">{e.type}</span>
                </>
              ),
            },
            { header: "Status", cell: (e) => <Badge tone={STATUS_TONES[e.status]}>{e.status}</Badge> },
            {
              header: "Reason",
              className: "sm:max-w-md",
              cell: (e) => <span className="break-words text-slate-700">{e.error ?? "—"}</span>,
            },
            { header: "Attempts", align: "right", cell: (e) => e.attempts },
            { header: "Last attempt", cell: (e) => <Time value={e.updatedAt} /> },
            {
              header: "Actions",
              hideHeader: true,
              cell: (e) => (
                <Form method="post">
                  <input type="hidden" name="intent" value="replay" />
                  <SubmitButton name="eventId" value={e.id} variant="secondary" pendingText="Replaying…">
                    Replay
                  </SubmitButton>
                </Form>
              ),
            },
          ]}
        />
      </Card>
    </div>
  );
}

/** One filter of the events list: a labelled <select> whose empty value means "any". */
function FilterSelect(props: {
  name: string;
  label: string;
  anyLabel: string;
  value: string;
  options: readonly string[];
}) {
  const id = `event-${props.name}`;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {props.label}
      </label>
      <select
        id={id}
        name={props.name}
        defaultValue={props.value}
        className="mt-1 rounded-md border border-slate-300 bg-white px-3 py-2"
      >
        <option value="">{props.anyLabel}</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
}
