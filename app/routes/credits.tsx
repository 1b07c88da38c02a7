import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "~/auth/session.server";
import { getBalance, listLedger, type GrantView } from "~/credits/index.server";
import { Card, PageHeader } from "~/components/AppShell";
import { formatCredits, formatDate, formatDateTime, formatSignedCredits } from "~/components/format";

export const meta: MetaFunction = () => [{ title: "Your credits — Credits" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const balance = getBalance(context, user.id);
  const history = listLedger(context, user.id, { limit: 20 });
  return { balance, history: history.entries, hasMoreHistory: history.nextCursor !== null };
}

const KIND_LABELS: Record<GrantView["type"], string> = {
  subscription: "Subscription",
  promotional: "Promotional",
  topup: "Top-up",
};

const ENTRY_LABELS: Record<string, string> = {
  grant: "Added",
  deduction: "Used",
  expiration: "Expired",
  void: "Voided",
  refund: "Refunded",
  adjustment: "Adjustment",
};

export default function Credits() {
  const { balance, history, hasMoreHistory } = useLoaderData<typeof loader>();
  const kinds = [
    { key: "subscription", amount: balance.breakdown.subscription },
    { key: "promotional", amount: balance.breakdown.promotional },
    { key: "topup", amount: balance.breakdown.topup },
  ] as const;
  return (
    <div className="space-y-6">
      <PageHeader title="Your credits" />

      <Card>
        <p className="text-sm font-medium text-slate-600">Balance</p>
        <p className="mt-1 text-4xl font-bold tabular-nums text-slate-900" data-testid="credit-balance">
          {formatCredits(balance.balance)} <span className="text-lg font-medium text-slate-600">credits</span>
        </p>
        <p className="mt-2 text-sm text-slate-600">
          {balance.nextExpiry ? (
            <>
              Next expiry: <strong>{formatCredits(balance.nextExpiry.amount)} credits</strong> on{" "}
              <time dateTime={balance.nextExpiry.expiresAt}>{formatDate(balance.nextExpiry.expiresAt)}</time>.
            </>
          ) : (
            "None of your credits expire."
          )}{" "}
          <Link to="/billing" className="text-indigo-700 underline">
            Buy more or manage your plan
          </Link>
        </p>
        <dl className="mt-5 grid gap-3 sm:grid-cols-3">
          {kinds.map((k) => (
            <div key={k.key} className="rounded-md bg-slate-50 px-4 py-3">
              <dt className="text-sm text-slate-600">{KIND_LABELS[k.key]}</dt>
              <dd className="text-xl font-semibold tabular-nums">{formatCredits(k.amount)}</dd>
            </div>
          ))}
        </dl>
      </Card>

      <Card title="What you have, in the order it is used">
        {balance.grants.length === 0 ? (
          <p className="text-sm text-slate-600">You have no credits yet.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="border-b border-slate-200 text-slate-600">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">Kind</th>
                  <th scope="col" className="py-2 pr-4 text-right font-medium">Left</th>
                  <th scope="col" className="py-2 pr-4 text-right font-medium">Of</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Expires</th>
                  <th scope="col" className="py-2 font-medium">Reason</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {balance.grants.map((g) => (
                  <tr key={g.id}>
                    <td className="py-2 pr-4">{KIND_LABELS[g.type]}</td>
                    <td className="py-2 pr-4 text-right tabular-nums">{formatCredits(g.remaining)}</td>
                    <td className="py-2 pr-4 text-right tabular-nums text-slate-500">{formatCredits(g.amount)}</td>
                    <td className="whitespace-nowrap py-2 pr-4">
                      {g.expiresAt ? <time dateTime={g.expiresAt}>{formatDate(g.expiresAt)}</time> : "Never"}
                    </td>
                    <td className="py-2 text-slate-600">{g.reason ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      <Card title="Recent activity">
        {history.length === 0 ? (
          <p className="text-sm text-slate-600">Nothing yet.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="border-b border-slate-200 text-slate-600">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">When</th>
                  <th scope="col" className="py-2 pr-4 font-medium">What</th>
                  <th scope="col" className="py-2 pr-4 text-right font-medium">Credits</th>
                  <th scope="col" className="py-2 pr-4 text-right font-medium">Balance after</th>
                  <th scope="col" className="py-2 font-medium">Reason</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {history.map((e) => (
                  <tr key={e.id}>
                    <td className="whitespace-nowrap py-2 pr-4">
                      <time dateTime={e.createdAt}>{formatDateTime(e.createdAt)}</time>
                    </td>
                    <td className="py-2 pr-4">{ENTRY_LABELS[e.type] ?? e.type}</td>
                    <td className={`py-2 pr-4 text-right tabular-nums ${e.amount < 0 ? "text-red-700" : "text-emerald-700"}`}>
                      {formatSignedCredits(e.amount)}
                    </td>
                    <td className="py-2 pr-4 text-right tabular-nums">{formatCredits(e.balanceAfter)}</td>
                    <td className="py-2 text-slate-600">{e.reason ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {hasMoreHistory ? <p className="mt-3 text-sm text-slate-500">Showing the latest 20 entries.</p> : null}
          </div>
        )}
      </Card>
    </div>
  );
}
