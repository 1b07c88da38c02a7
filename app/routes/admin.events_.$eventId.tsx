import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/auth/session.server";
import { getStripeEventDetail } from "~/pages/stripe-events-view.server";
import { Card, PageHeader } from "~/components/AppShell";
import { SubmitButton } from "~/components/forms";
import { Badge, StripeIdLink, Time, linkClass } from "~/components/ui";
import { stripeDashboardUrl, stripeLinkMode } from "~/pages/customers.server";
import { pageTitle } from "~/components/format";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: pageTitle(data?.event.type ?? "Stripe event") },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const id = params.eventId ?? "";
  const event = /^[A-Za-z0-9_]{1,255}$/.test(id) ? getStripeEventDetail(context.db, id) : null;
  if (!event) throw new Response("No such Stripe event.", { status: 404 });
  const mode = stripeLinkMode(context.env);
  return {
    event,
    eventUrl: stripeDashboardUrl("events", event.id, mode),
    customerUrl: event.stripeCustomerId ? stripeDashboardUrl("customers", event.stripeCustomerId, mode) : null,
  };
}

export default function StripeEventPage() {
  const { event, eventUrl, customerUrl } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link to="/admin/events?show=all" className={linkClass}>
          ← All Stripe events
        </Link>
      </p>
      <PageHeader title={event.type}>
        <StripeIdLink id={event.id} href={eventUrl} label="Stripe event" />
      </PageHeader>
      <Card>
        <dl className="grid gap-4 text-sm sm:grid-cols-3">
          <div>
            <dt className="text-slate-600">Status</dt>
            <dd data-testid="event-status">
              <Badge
                tone={
                  event.status === "processed"
                    ? "green"
                    : event.status === "failed"
                      ? "red"
                      : event.status === "held"
                        ? "amber"
                        : "slate"
                }
              >
                {event.status}
              </Badge>
            </dd>
          </div>
          <div>
            <dt className="text-slate-600">Attempts</dt>
            <dd>{event.attempts}</dd>
          </div>
          <div>
            <dt className="text-slate-600">Customer</dt>
            <dd className="break-all">
              {event.customer ? (
                <Link to={`/admin/customers/${event.customer.id}`} className={linkClass}>
                  {event.customer.email}
                </Link>
              ) : event.stripeCustomerId ? (
                <StripeIdLink id={event.stripeCustomerId} href={customerUrl} label="Stripe customer" />
              ) : (
                "—"
              )}
            </dd>
          </div>
          <div>
            <dt className="text-slate-600">Created at Stripe</dt>
            <dd>
              <Time value={event.stripeCreatedAt} />
            </dd>
          </div>
          <div>
            <dt className="text-slate-600">Received</dt>
            <dd>
              <Time value={event.createdAt} />
            </dd>
          </div>
          <div>
            <dt className="text-slate-600">Processed</dt>
            <dd>
              <Time value={event.processedAt} />
            </dd>
          </div>
          <div className="sm:col-span-3">
            <dt className="text-slate-600">Reason</dt>
            <dd className="break-words">{event.error ?? "—"}</dd>
          </div>
        </dl>
        <Form method="post" action="/admin/events" className="mt-4">
          <input type="hidden" name="intent" value="replay" />
          <SubmitButton
            name="eventId"
            value={event.id}
            variant="secondary"
            formAction="/admin/events"
            pendingText="Replaying…"
          >
            Replay this event
          </SubmitButton>
        </Form>
      </Card>
      <Card title="Payload">
        <pre
          // A scrolling box must be reachable by keyboard (axe: scrollable-region-focusable).
          // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
          tabIndex={0}
          aria-label="Event payload"
          className="max-h-[32rem] overflow-auto rounded-md bg-slate-900 p-4 text-xs text-slate-100"
          data-testid="event-payload"
        >
          {event.payloadText}
        </pre>
      </Card>
    </div>
  );
}
