import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, Outlet, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireAdmin } from "~/auth/session.server";
import { userActor } from "~/auth/audit.server";
import { editPlan } from "~/billing/plan-sync.server";
import { getStripe } from "~/billing/stripe.server";
import { Card, PageHeader } from "~/components/AppShell";
import { formatCredits } from "~/components/format";
import { Alert, SubmitButton } from "~/components/forms";
import {
  isPlanKind,
  listSubscriptionPlans,
  listTopupPlans,
  subscriptionPlanJson,
  topupPlanJson,
  type SubscriptionPlanJson,
  type TopupPlanJson,
} from "~/plans/index.server";
import { formatPrice } from "~/plans/format";
import { httpStatusFor, isAppError } from "~/utils/errors";

export const meta: MetaFunction = () => [{ title: "Plans — Admin — Credits" }];

/** Messages for `?done=` after a child page redirects back here (codes, never free text from the URL). */
const DONE_MESSAGES: Record<string, string> = {
  created: "The plan was created, with its Stripe product and price.",
  deleted: "The plan was deleted.",
  archived: "The plan is in use, so it was archived instead of deleted: nobody can buy it any more, existing subscribers keep renewing.",
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  return {
    subscriptionPlans: listSubscriptionPlans(context.db).map(subscriptionPlanJson),
    topupPlans: listTopupPlans(context.db).map(topupPlanJson),
  };
}

/** The list's quick action: mark a plan legacy (or not). Edits and deletes live on the plan's page. */
export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const form = await request.formData();
  const kind = form.get("kind");
  const id = Number(form.get("id"));
  if (form.get("intent") !== "legacy" || !isPlanKind(kind) || !Number.isSafeInteger(id)) {
    return data({ ok: false as const, message: "That action is not available." }, { status: 400 });
  }
  const isLegacy = form.get("isLegacy") === "true";
  try {
    const plan = await editPlan({ ...context, stripe: getStripe(context) }, kind, id, { isLegacy }, userActor(admin.id));
    return {
      ok: true as const,
      message: isLegacy
        ? `“${plan.plan.publicName}” is now legacy: existing customers keep it, new customers no longer see it.`
        : `“${plan.plan.publicName}” is offered to new customers again.`,
    };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return data({ ok: false as const, message: e.message }, { status: httpStatusFor(e.code) });
  }
}

function Badge({ tone, children }: { tone: "green" | "amber" | "slate" | "red"; children: string }) {
  const tones = {
    green: "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
    amber: "bg-amber-50 text-amber-800 ring-amber-600/20",
    slate: "bg-slate-100 text-slate-700 ring-slate-500/20",
    red: "bg-red-50 text-red-800 ring-red-600/20",
  };
  return (
    <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tones[tone]}`}>
      {children}
    </span>
  );
}

function PlanBadges({ plan }: { plan: SubscriptionPlanJson | TopupPlanJson }) {
  return (
    <span className="flex flex-wrap gap-1">
      {plan.archivedAt ? (
        <Badge tone="red">Archived</Badge>
      ) : plan.isActive ? (
        <Badge tone="green">Active</Badge>
      ) : (
        <Badge tone="slate">Inactive</Badge>
      )}
      {plan.isLegacy ? <Badge tone="amber">Legacy</Badge> : null}
    </span>
  );
}

function LegacyToggle({ kind, plan }: { kind: "subscription" | "topup"; plan: SubscriptionPlanJson | TopupPlanJson }) {
  if (plan.archivedAt) return null;
  return (
    <Form method="post" action="/admin/plans" className="inline">
      <input type="hidden" name="intent" value="legacy" />
      <input type="hidden" name="kind" value={kind} />
      <input type="hidden" name="isLegacy" value={plan.isLegacy ? "false" : "true"} />
      {/* The button carries the id, so a pending state shows on the clicked row only. */}
      <SubmitButton variant="link" formAction="/admin/plans" name="id" value={String(plan.id)}>
        {plan.isLegacy ? "Offer again" : "Mark legacy"}
      </SubmitButton>
    </Form>
  );
}

const th = "px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-600";
const td = "px-3 py-2 align-top text-sm text-slate-800";

export default function AdminPlans() {
  const { subscriptionPlans, topupPlans } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const done = DONE_MESSAGES[params.get("done") ?? ""];
  return (
    <div className="space-y-6">
      <PageHeader title="Plans">
        The price book: subscription plans (families of versions) and top-up packs. Credits and price of a plan are
        fixed once it has a Stripe price — change them by creating a new version, then mark the old one legacy.
      </PageHeader>

      {done ? <Alert tone="success">{done}</Alert> : null}
      {result ? <Alert tone={result.ok ? "success" : "error"}>{result.message}</Alert> : null}

      <div className="flex flex-wrap gap-3">
        <Link to="/admin/plans/new?kind=subscription" className="inline-flex items-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500">
          New subscription plan
        </Link>
        <Link to="/admin/plans/new?kind=topup" className="inline-flex items-center rounded-md bg-white px-4 py-2 text-sm font-semibold text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50">
          New top-up pack
        </Link>
      </div>

      <Outlet />

      <Card title="Subscription plans">
        {subscriptionPlans.length === 0 ? (
          <p className="text-sm text-slate-600">No subscription plans yet.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="min-w-full divide-y divide-slate-200" data-testid="subscription-plans">
              <thead>
                <tr>
                  <th className={th}>Family</th>
                  <th className={th}>Version</th>
                  <th className={th}>Name</th>
                  <th className={th}>Credits / period</th>
                  <th className={th}>Price</th>
                  <th className={th}>Status</th>
                  <th className={th}>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {subscriptionPlans.map((p) => (
                  <tr key={p.id} data-plan={p.internalId}>
                    <td className={`${td} font-mono`}>{p.planFamily}</td>
                    <td className={td}>v{p.version}</td>
                    <td className={td}>{p.publicName}</td>
                    <td className={`${td} tabular-nums`}>{formatCredits(p.credits)}</td>
                    <td className={`${td} tabular-nums`}>
                      {formatPrice(p.priceCents, p.currency)} / {p.interval}
                    </td>
                    <td className={td}>
                      <PlanBadges plan={p} />
                    </td>
                    <td className={`${td} whitespace-nowrap`}>
                      <span className="flex flex-wrap items-center gap-3">
                        <Link className="text-sm font-medium text-indigo-700 hover:underline" to={`/admin/plans/subscription/${p.id}`}>
                          Edit
                        </Link>
                        <Link
                          className="text-sm font-medium text-indigo-700 hover:underline"
                          to={`/admin/plans/new?kind=subscription&from=${p.id}`}
                        >
                          New version
                        </Link>
                        <LegacyToggle kind="subscription" plan={p} />
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      <Card title="Top-up packs">
        {topupPlans.length === 0 ? (
          <p className="text-sm text-slate-600">No top-up packs yet.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="min-w-full divide-y divide-slate-200" data-testid="topup-plans">
              <thead>
                <tr>
                  <th className={th}>Pack</th>
                  <th className={th}>Name</th>
                  <th className={th}>Credits</th>
                  <th className={th}>Price</th>
                  <th className={th}>Credits expire after</th>
                  <th className={th}>Status</th>
                  <th className={th}>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {topupPlans.map((p) => (
                  <tr key={p.id} data-plan={p.internalId}>
                    <td className={`${td} font-mono`}>{p.internalId}</td>
                    <td className={td}>{p.publicName}</td>
                    <td className={`${td} tabular-nums`}>{formatCredits(p.credits)}</td>
                    <td className={`${td} tabular-nums`}>{formatPrice(p.priceCents, p.currency)}</td>
                    <td className={td}>{p.creditExpiryDays} days</td>
                    <td className={td}>
                      <PlanBadges plan={p} />
                    </td>
                    <td className={`${td} whitespace-nowrap`}>
                      <span className="flex flex-wrap items-center gap-3">
                        <Link className="text-sm font-medium text-indigo-700 hover:underline" to={`/admin/plans/topup/${p.id}`}>
                          Edit
                        </Link>
                        <LegacyToggle kind="topup" plan={p} />
                      </span>
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
