import { parseWithZod } from "@conform-to/zod";
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireAdmin } from "~/auth/session.server";
import { userActor } from "~/auth/audit.server";
import { editPlan } from "~/billing/plan-sync.server";
import { subscribersPerPlan } from "~/billing/reports.server";
import { Card, PageHeader } from "~/components/AppShell";
import { DataTable, type Column } from "~/components/DataTable";
import { formatCredits, formatMoney, plural, pageTitle } from "~/components/format";
import { SubmitButton, buttonStyles } from "~/components/forms";
import { Badge, ButtonLink, ResultAlert, ToastMessage } from "~/components/ui";
import {
  PLAN_KINDS,
  getPlan,
  listSubscriptionPlans,
  listTopupPlans,
  subscriptionPlanJson,
  topupPlanJson,
  type SubscriptionPlanJson,
  type PlanKind,
  type TopupPlanJson,
} from "~/plans/index.server";
import { httpStatusFor, isAppError } from "~/utils/errors";
import { takeToast } from "~/utils/toast.server";

export const meta: MetaFunction = () => [{ title: pageTitle("Plans") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  // What a child page did before redirecting here (created, deleted, archived) arrives as a toast.
  const { toast, clear } = await takeToast(request, context.env);
  const payload = {
    subscriptionPlans: withSubscribers(context.db, listSubscriptionPlans(context.db).map(subscriptionPlanJson)),
    topupPlans: listTopupPlans(context.db).map(topupPlanJson),
    toast,
  };
  return data(payload, clear ? { headers: { "Set-Cookie": clear } } : undefined);
}

/** Live subscribers per plan (and so per version of a family). */
function withSubscribers(db: Parameters<typeof subscribersPerPlan>[0], plans: SubscriptionPlanJson[]) {
  const counts = new Map(subscribersPerPlan(db).map((p) => [p.planId, p.subscribers]));
  return plans.map((p) => ({ ...p, subscribers: counts.get(p.id) ?? 0 }));
}

/** The quick actions' form: hidden inputs and a button per row. */
const quickActionSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.enum(["confirm-legacy", "legacy"]),
    kind: z.enum(PLAN_KINDS),
    id: z.number().int().positive(),
    isLegacy: z.enum(["true", "false"]).transform((v) => v === "true"),
  }),
  z.object({
    intent: z.enum(["confirm-publish", "publish"]),
    kind: z.enum(PLAN_KINDS),
    id: z.number().int().positive(),
  }),
]);

/**
 * The list's quick actions, each after a confirmation step ("confirm-…" renders it, the plain
 * intent does it). Edits and deletes live on the plan's page.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const submission = parseWithZod(await request.formData(), { schema: quickActionSchema });
  // Hidden inputs only: a bad one is a stale or forged page, not something the person typed.
  if (submission.status !== "success") {
    return data({ ok: false as const, message: "That action is not available." }, { status: 400 });
  }
  const value = submission.value;
  const { kind, id } = value;
  if (value.intent === "confirm-legacy" || value.intent === "confirm-publish") {
    const plan = getPlan(context.db, kind, id);
    if (!plan) return data({ ok: false as const, message: "There is no such plan." }, { status: 404 });
    const publicName = plan.plan.publicName;
    return "isLegacy" in value
      ? { ok: true as const, message: null, confirmLegacy: { kind, id, isLegacy: value.isLegacy, publicName } }
      : { ok: true as const, message: null, confirmPublish: { kind, id, publicName } };
  }
  try {
    if (!("isLegacy" in value)) {
      const plan = await editPlan(context.billing, kind, id, { isActive: true }, userActor(admin.id));
      return {
        ok: true as const,
        message: plan.plan.isLegacy
          ? `“${plan.plan.publicName}” is active, but still legacy: new customers see it once you offer it again.`
          : `“${plan.plan.publicName}” is on sale: customers can buy it now.`,
      };
    }
    const plan = await editPlan(context.billing, kind, id, { isLegacy: value.isLegacy }, userActor(admin.id));
    return {
      ok: true as const,
      message: value.isLegacy
        ? `“${plan.plan.publicName}” is now legacy: existing customers keep it, new customers no longer see it.`
        : `“${plan.plan.publicName}” is offered to new customers again.`,
    };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return data({ ok: false as const, message: e.message }, { status: httpStatusFor(e.code) });
  }
}

type AnyPlan = SubscriptionPlanJson | TopupPlanJson;

function PlanBadges({ plan }: { plan: AnyPlan }) {
  return (
    <span className="inline-flex flex-wrap gap-1 sm:flex-nowrap">
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

/** The row's actions: edit, (for subscriptions) a new version, and the legacy toggle. */
function PlanActions({ kind, plan }: { kind: PlanKind; plan: AnyPlan }) {
  return (
    <span className="flex flex-wrap items-center justify-end gap-x-4 gap-y-1 sm:flex-nowrap sm:justify-start">
      <Link className={buttonStyles.link} to={`/admin/plans/${kind}/${plan.id}`}>
        Edit
      </Link>
      {kind === "subscription" ? (
        <Link className={buttonStyles.link} to={`/admin/plans/new?kind=subscription&from=${plan.id}`}>
          New version
        </Link>
      ) : null}
      {!plan.archivedAt && !plan.isActive ? (
        <Form method="post" action="/admin/plans" className="inline">
          <input type="hidden" name="intent" value="confirm-publish" />
          <input type="hidden" name="kind" value={kind} />
          <SubmitButton
            variant="link"
            formAction="/admin/plans"
            name="id"
            value={String(plan.id)}
            pendingText="Working…"
          >
            Publish…
          </SubmitButton>
        </Form>
      ) : null}
      {plan.archivedAt ? null : (
        <Form method="post" action="/admin/plans" className="inline">
          <input type="hidden" name="intent" value="confirm-legacy" />
          <input type="hidden" name="kind" value={kind} />
          <input type="hidden" name="isLegacy" value={plan.isLegacy ? "false" : "true"} />
          {/* The button carries the id, so a pending state shows on the clicked row only. */}
          <SubmitButton
            variant="link"
            formAction="/admin/plans"
            name="id"
            value={String(plan.id)}
            pendingText="Saving…"
          >
            {plan.isLegacy ? "Offer again" : "Mark legacy"}
          </SubmitButton>
        </Form>
      )}
    </span>
  );
}

/** Columns both plan tables share, after their own leading ones. */
function sharedColumns<P extends AnyPlan>(kind: PlanKind, price: (p: P) => string): Column<P>[] {
  return [
    { header: "Name", cell: (p) => p.publicName },
    {
      header: kind === "subscription" ? "Credits / period" : "Credits",
      align: "right",
      cell: (p) => formatCredits(p.credits),
    },
    { header: "Price", align: "right", cell: (p) => <span className="whitespace-nowrap">{price(p)}</span> },
    { header: "Expiry", align: "right", cell: (p) => plural(p.creditExpiryDays, "day") },
    { header: "Status", cell: (p) => <PlanBadges plan={p} /> },
    { header: "Actions", hideHeader: true, cell: (p) => <PlanActions kind={kind} plan={p} /> },
  ];
}

const subscriptionColumns: Column<SubscriptionPlanJson>[] = [
  { header: "Family", cell: (p) => <span className="font-mono">{p.planFamily}</span> },
  { header: "Version", cell: (p) => `v${p.version}` },
  {
    header: "Subscribers",
    align: "right",
    cell: (p) => formatCredits((p as SubscriptionPlanJson & { subscribers?: number }).subscribers ?? 0),
  },
  ...sharedColumns<SubscriptionPlanJson>(
    "subscription",
    (p) => `${formatMoney(p.priceCents, p.currency)} / ${p.interval}`,
  ),
];
// Rollover sits after Expiry (before Status and Actions).
subscriptionColumns.splice(subscriptionColumns.length - 2, 0, {
  header: "Rollover",
  align: "right",
  cell: (p) =>
    p.rolloverPercent > 0
      ? `${p.rolloverPercent}%${p.rolloverMaxCredits !== null ? ` ≤ ${formatCredits(p.rolloverMaxCredits)}` : ""}`
      : "—",
});

const topupColumns: Column<TopupPlanJson>[] = [
  { header: "Pack", cell: (p) => <span className="font-mono">{p.internalId}</span> },
  ...sharedColumns<TopupPlanJson>("topup", (p) => formatMoney(p.priceCents, p.currency)),
];

function PlanTable<P extends AnyPlan>(props: {
  title: string;
  testId: string;
  plans: P[];
  columns: Column<P>[];
  empty: string;
}) {
  return (
    <Card title={props.title}>
      <DataTable
        testId={props.testId}
        rows={props.plans}
        rowKey={(p) => p.id}
        rowAttributes={(p) => ({ "data-plan": p.internalId })}
        empty={props.empty}
        columns={props.columns}
      />
    </Card>
  );
}

export default function AdminPlans() {
  const { subscriptionPlans, topupPlans, toast } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="space-y-6">
      <PageHeader title="Plans">
        The price book: subscription plans (families of versions) and top-up packs. Credits and price of a plan are
        fixed once it has a Stripe price — change them by creating a new version, then mark the old one legacy.
      </PageHeader>

      <ToastMessage toast={toast} />
      <ResultAlert result={result} />
      {result && "confirmLegacy" in result && result.confirmLegacy ? (
        <Form
          method="post"
          action="/admin/plans"
          className="rounded-md border-2 border-amber-400 bg-amber-50 p-4"
          data-testid="confirm-legacy"
        >
          <p className="text-sm font-semibold text-slate-900">
            {result.confirmLegacy.isLegacy
              ? `Mark “${result.confirmLegacy.publicName}” legacy? Existing customers keep it; new customers no longer see it.`
              : `Offer “${result.confirmLegacy.publicName}” to new customers again?`}
          </p>
          <input type="hidden" name="intent" value="legacy" />
          <input type="hidden" name="kind" value={result.confirmLegacy.kind} />
          <input type="hidden" name="isLegacy" value={String(result.confirmLegacy.isLegacy)} />
          <div className="mt-3 flex flex-wrap items-center gap-4">
            <SubmitButton
              formAction="/admin/plans"
              name="id"
              value={String(result.confirmLegacy.id)}
              pendingText="Saving…"
            >
              {result.confirmLegacy.isLegacy ? "Yes, mark it legacy" : "Yes, offer it again"}
            </SubmitButton>
            <Link className={buttonStyles.link} to="/admin/plans">
              Cancel
            </Link>
          </div>
        </Form>
      ) : null}

      {result && "confirmPublish" in result && result.confirmPublish ? (
        <Form
          method="post"
          action="/admin/plans"
          className="rounded-md border-2 border-amber-400 bg-amber-50 p-4"
          data-testid="confirm-publish"
        >
          <p className="text-sm font-semibold text-slate-900">
            Publish “{result.confirmPublish.publicName}”? Customers can buy it from now on.
          </p>
          <input type="hidden" name="intent" value="publish" />
          <input type="hidden" name="kind" value={result.confirmPublish.kind} />
          <div className="mt-3 flex flex-wrap items-center gap-4">
            <SubmitButton
              formAction="/admin/plans"
              name="id"
              value={String(result.confirmPublish.id)}
              pendingText="Publishing…"
            >
              Yes, publish it
            </SubmitButton>
            <Link className={buttonStyles.link} to="/admin/plans">
              Cancel
            </Link>
          </div>
        </Form>
      ) : null}

      <div className="flex flex-wrap gap-3">
        <ButtonLink to="/admin/plans/new?kind=subscription">New subscription plan</ButtonLink>
        <ButtonLink to="/admin/plans/new?kind=topup" variant="secondary">
          New top-up pack
        </ButtonLink>
      </div>

      <PlanTable
        title="Subscription plans"
        testId="subscription-plans"
        plans={subscriptionPlans}
        columns={subscriptionColumns}
        empty="No subscription plans yet. Create one to offer monthly credits."
      />
      <PlanTable
        title="Top-up packs"
        testId="topup-plans"
        plans={topupPlans}
        columns={topupColumns}
        empty="No top-up packs yet. Create one so customers can buy credits without a plan."
      />
    </div>
  );
}
