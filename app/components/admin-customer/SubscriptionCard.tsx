import type { CustomerSubscriptionView } from "~/pages/customers.server";
import { Card } from "~/components/AppShell";
import { Badge, Time, linkClass } from "~/components/ui";

/** The customer's live (else latest) subscription, with a link to it in Stripe. */
export function SubscriptionCard({ live }: { live?: CustomerSubscriptionView & { subscriptionUrl: string | null } }) {
  return (
    <Card title="Subscription">
      {live ? (
        <>
          <dl className="grid gap-3 text-sm sm:grid-cols-2">
            <div>
              <dt className="text-slate-600">Plan</dt>
              <dd className="font-medium">
                {live.planName ?? "Unknown plan"} {live.planVersion ? `(version ${live.planVersion})` : null}
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Status</dt>
              <dd>
                <Badge tone={live.status === "active" ? "green" : "amber"}>{live.status}</Badge>
                {live.cancelAtPeriodEnd ? " · cancels at period end" : null}
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Current period</dt>
              <dd>
                <Time value={live.currentPeriodStart} format="date" /> –{" "}
                <Time value={live.currentPeriodEnd} format="date" />
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Pending change</dt>
              <dd>
                {live.pendingPlanName
                  ? `${live.pendingPlanName} (version ${live.pendingPlanVersion}) at renewal`
                  : "None"}
              </dd>
            </div>
          </dl>
          {/* Outside the list: a dl holds only dt/dd groups (axe's definition-list). */}
          {live.subscriptionUrl ? (
            <p className="mt-3 text-sm">
              <a href={live.subscriptionUrl} className={linkClass} target="_blank" rel="noreferrer">
                Open the subscription in Stripe
              </a>
            </p>
          ) : null}
        </>
      ) : (
        <p className="text-sm text-slate-600">No subscription.</p>
      )}
    </Card>
  );
}
