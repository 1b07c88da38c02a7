import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData, useSearchParams } from "@remix-run/react";
import { requireUser } from "~/auth/session.server";
import { getBillingOverview } from "~/billing/subscriptions.server";
import { listLedger } from "~/credits/index.server";
import { Card, PageHeader } from "~/components/AppShell";
import { BalanceSummary, KIND_LABELS } from "~/components/BalanceSummary";
import { DataTable } from "~/components/DataTable";
import { formatCredits, formatSignedCredits } from "~/components/format";
import { RenewalNote, SubscriptionStatusBadge, planTerms } from "~/components/Subscription";
import { ButtonLink, TextLink, Time } from "~/components/ui";
import { isAppError } from "~/utils/errors";

export const meta: MetaFunction = () => [{ title: "Your credits — Credits" }];

const HISTORY_PAGE_SIZE = 20;

/** `?before=<cursor>` pages back through the history (the ledger's own opaque cursor). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const before = new URL(request.url).searchParams.get("before");
  let history;
  try {
    history = listLedger(context, user.id, { limit: HISTORY_PAGE_SIZE, cursor: before });
  } catch (e) {
    // An old or hand-edited link: start again from the newest entries.
    if (isAppError(e) && before) throw redirect("/credits");
    throw e;
  }
  const { balance, subscription } = getBillingOverview(context, user.id);
  return {
    balance,
    subscription: subscription?.live ? subscription : null,
    history: history.entries,
    olderCursor: history.nextCursor,
    isFirstPage: !before,
  };
}

const ENTRY_LABELS: Record<string, string> = {
  grant: "Added",
  deduction: "Used",
  expiration: "Expired",
  void: "Voided",
  refund: "Refunded",
  adjustment: "Adjustment",
};

export default function Credits() {
  const { balance, subscription, history, olderCursor, isFirstPage } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <div className="space-y-6">
      <PageHeader title="Your credits">What you have, what it is made of, and when it expires.</PageHeader>

      <Card>
        <BalanceSummary balance={balance} testId="credit-balance">
          {balance.nextExpiry ? (
            <>
              Next expiry: <strong>{formatCredits(balance.nextExpiry.amount)} credits</strong> on{" "}
              <Time value={balance.nextExpiry.expiresAt} />.
            </>
          ) : (
            "None of your credits expire."
          )}
        </BalanceSummary>
        <div className="mt-5">
          <ButtonLink to="/billing" variant="secondary">
            Buy more credits
          </ButtonLink>
        </div>
      </Card>

      <Card title="Your plan">
        {subscription?.plan ? (
          <div className="space-y-2">
            <p className="flex flex-wrap items-center gap-3">
              <span className="font-semibold text-slate-900">{subscription.plan.publicName}</span>
              <SubscriptionStatusBadge subscription={subscription} />
            </p>
            <p className="text-sm text-slate-700">{planTerms(subscription.plan)}</p>
            <RenewalNote subscription={subscription} />
            <p className="pt-1 text-sm">
              <TextLink to="/billing">Manage your subscription</TextLink>
            </p>
          </div>
        ) : (
          <p className="text-sm text-slate-700">
            You have no subscription. A plan adds credits every month. <TextLink to="/billing">See the plans</TextLink>
          </p>
        )}
      </Card>

      <Card title="What you have, in the order it is used">
        <DataTable
          caption="Your credits by grant, in the order they are spent"
          rows={balance.grants}
          rowKey={(g) => g.id}
          empty="You have no credits yet. Subscribe or buy a top-up pack on the billing page."
          columns={[
            { header: "Kind", cell: (g) => KIND_LABELS[g.type] },
            { header: "Left", align: "right", cell: (g) => formatCredits(g.remaining) },
            {
              header: "Of",
              align: "right",
              cell: (g) => <span className="text-slate-500">{formatCredits(g.amount)}</span>,
            },
            { header: "Expires", cell: (g) => (g.expiresAt ? <Time value={g.expiresAt} /> : "Never") },
            { header: "Reason", cell: (g) => <span className="text-slate-600">{g.reason ?? "—"}</span> },
          ]}
        />
      </Card>

      <Card title={isFirstPage ? "Recent activity" : "Earlier activity"}>
        <DataTable
          caption="Every change to your balance, newest first"
          rows={history}
          rowKey={(e) => e.id}
          empty={
            isFirstPage
              ? "Nothing has happened yet. Credits you get and use will show up here."
              : "No earlier activity."
          }
          columns={[
            { header: "When", cell: (e) => <Time value={e.createdAt} /> },
            { header: "What", cell: (e) => ENTRY_LABELS[e.type] ?? e.type },
            {
              header: "Credits",
              align: "right",
              cell: (e) => (
                <span className={e.amount < 0 ? "text-red-700" : "text-emerald-700"}>
                  {formatSignedCredits(e.amount)}
                </span>
              ),
            },
            { header: "Balance after", align: "right", cell: (e) => formatCredits(e.balanceAfter) },
            { header: "Reason", cell: (e) => <span className="text-slate-600">{e.reason ?? "—"}</span> },
          ]}
        />
        {olderCursor || !isFirstPage ? (
          <nav aria-label="History pages" className="mt-4 flex flex-wrap gap-3">
            {!isFirstPage ? (
              <ButtonLink to="/credits" variant="secondary" preventScrollReset>
                Newest entries
              </ButtonLink>
            ) : null}
            {olderCursor ? (
              <ButtonLink
                to={`/credits?${new URLSearchParams({ ...Object.fromEntries(params), before: olderCursor })}`}
                variant="secondary"
                preventScrollReset
              >
                Older entries
              </ButtonLink>
            ) : null}
          </nav>
        ) : null}
      </Card>
    </div>
  );
}
