import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData, useLocation } from "@remix-run/react";
import { requireUser } from "~/auth/session.server";
import { getCheckoutStatus } from "~/billing/checkout.server";
import { Card, PageHeader } from "~/components/AppShell";
import { formatCredits, pageTitle } from "~/components/format";
import { ButtonLink, linkClass } from "~/components/ui";
import { getBalance } from "~/credits/index.server";
import { isAppError } from "~/utils/errors";

/** Seconds between reloads while the webhook has not granted the credits yet. */
const REFRESH_SECONDS = 2;

// Until the credits are there the page reloads itself with a meta refresh, which works with and
// without JavaScript; once they are, it stops.
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: pageTitle(data?.status.state === "unpaid" ? "Checkout not completed" : "Thank you!") },
  ...(data?.status.state === "pending" ? [{ httpEquiv: "refresh", content: String(REFRESH_SECONDS) }] : []),
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const sessionId = new URL(request.url).searchParams.get("session_id") ?? "";
  let status;
  try {
    status = await getCheckoutStatus(context.billing, context.billing.stripe, { userId: user.id, sessionId });
  } catch (e) {
    if (isAppError(e) && e.code === "not_found")
      throw new Response("No such checkout.", { status: 404, statusText: "Not Found" });
    throw e;
  }
  return { status, balance: getBalance(context, user.id).balance };
}

export default function BillingSuccess() {
  const location = useLocation();
  const { status, balance } = useLoaderData<typeof loader>();
  const what = status.kind === "subscription" ? "subscription" : "top-up";
  return (
    <div className="space-y-6">
      <PageHeader title={status.state === "unpaid" ? "Checkout not completed" : "Thank you!"} />
      <Card>
        {status.state === "granted" ? (
          <div role="status" data-testid="checkout-granted">
            <p className="text-lg">
              <strong>{formatCredits(status.credits)} credits</strong> from your {status.planName} {what} were added.
            </p>
          </div>
        ) : status.state === "pending" ? (
          <div role="status" aria-live="polite" data-testid="checkout-pending">
            <p className="text-lg">Payment received — your credits are on their way.</p>
            <p className="mt-1 text-sm text-slate-600">
              This page updates by itself in a few seconds.{" "}
              <a href={`${location.pathname}${location.search}`} className={linkClass}>
                Refresh now
              </a>
            </p>
          </div>
        ) : (
          <p className="text-lg" data-testid="checkout-unpaid">
            This checkout was not paid. Nothing was charged.
          </p>
        )}
        <p className="mt-4 text-sm text-slate-700">
          Your balance: <strong data-testid="success-balance">{formatCredits(balance)} credits</strong>
        </p>
        <div className="mt-6 flex flex-wrap gap-3">
          <ButtonLink to="/credits">Your credits</ButtonLink>
          <ButtonLink to="/billing" variant="secondary">
            Back to billing
          </ButtonLink>
        </div>
      </Card>
    </div>
  );
}
