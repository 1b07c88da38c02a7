import { ToastMessage } from "~/components/ui";
import { getFormProps } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { userActor } from "~/auth/audit.server";
import { requireAdmin } from "~/auth/session.server";
import { deleteOrArchivePlan, editPlan } from "~/billing/plan-sync.server";
import { Card, PageHeader } from "~/components/AppShell";
import { RolloverFields } from "~/components/PlanFields";
import { PlanFeatureTerms } from "~/components/PlanFeatureTerms";
import { formatCredits, formatMoney, pageTitle } from "~/components/format";
import { CheckboxField, Field, FormActions, FormErrors, SubmitButton, useSchemaForm } from "~/components/forms";
import { ResultAlert, TextLink, Time } from "~/components/ui";
import { type editDraftSubscriptionPlanForm, editPlanFormFor, editsRollover, patchFrom } from "~/pages/plan-forms";
import { subscribersPerPlan } from "~/billing/reports.server";
import { isPlanInUse } from "~/billing/subscription-state.server";
import { getPlan, isPlanKind, nextPlanVersion, planJson, type PlanKind } from "~/plans/index.server";
import { kindLabel } from "~/plans/format";
import { isAppError } from "~/utils/errors";
import { formErrorResponse } from "~/utils/forms.server";
import { FEATURE_TERMS_INTENTS } from "~/pages/price-book.schema";
import { planFeatureAction, planFeatureRows } from "~/pages/plan-features.server";
import { setToast, takeToast } from "~/utils/toast.server";

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: pageTitle(d ? planHeading(d.plan) : "Plan") },
];

/** The page's heading: a subscription plan's family and version, then its name. */
function planHeading(plan: { publicName: string; planFamily?: string; version?: number }): string {
  return plan.planFamily ? `${plan.planFamily} v${plan.version} — ${plan.publicName}` : plan.publicName;
}

const EDIT_FIELDS = ["publicName", "creditExpiryDays", "rolloverPercent", "rolloverMaxCredits"];
/** The fields the edit form draws; an error about any other (a stale or forged form) is shown above it. */
const DRAWN_FIELDS = [...EDIT_FIELDS, "isActive", "isLegacy"];

/**
 * The edit form's schema for this plan (a draft subscription plan also edits its rollover terms);
 * deleting or archiving is its own form: a button that asks, then one that confirms.
 */
function actionSchemaFor(plan: { kind: PlanKind; stripePriceId: string | null }) {
  return z.discriminatedUnion("intent", [
    editPlanFormFor(plan),
    z.object({ intent: z.literal("confirm-delete") }),
    z.object({ intent: z.literal("delete") }),
  ]);
}

function planFromParams(params: { kind?: string; id?: string }): { kind: PlanKind; id: number } {
  const id = Number(params.id);
  if (!isPlanKind(params.kind) || !/^[1-9][0-9]*$/.test(params.id ?? "") || !Number.isSafeInteger(id)) {
    throw new Response("There is no such plan.", { status: 404, statusText: "Not Found" });
  }
  return { kind: params.kind, id };
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const { kind, id } = planFromParams(params);
  const plan = getPlan(context.db, kind, id);
  if (!plan) throw new Response(`No ${kindLabel(kind)} with id ${id}.`, { status: 404, statusText: "Not Found" });
  const { toast, clear } = await takeToast(request, context.env);
  const payload = {
    kind,
    plan: planJson(plan),
    referenced: isPlanInUse(context.db, kind, id),
    // The version a new one gets is the family's next, not this plan's + 1 (later ones may exist).
    nextVersion: plan.kind === "subscription" ? nextPlanVersion(context.db, plan.plan.planFamily) : null,
    subscribers:
      kind === "subscription" ? (subscribersPerPlan(context.db).find((p) => p.planId === id)?.subscribers ?? 0) : null,
    features: kind === "subscription" ? planFeatureRows(context.billing, id) : null,
    selectedFeature: new URL(request.url).searchParams.get("feature"),
    toast,
  };
  // Plain data unless a toast is to be cleared (the page tests read the loader's object).
  return clear ? data(payload, { headers: { "Set-Cookie": clear } }) : payload;
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const { kind, id } = planFromParams(params);
  const current = getPlan(context.db, kind, id);
  if (!current) throw new Response(`No ${kindLabel(kind)} with id ${id}.`, { status: 404, statusText: "Not Found" });
  const plan = { kind, stripePriceId: current.plan.stripePriceId };
  const form = await request.formData();
  if ((FEATURE_TERMS_INTENTS as readonly unknown[]).includes(form.get("intent"))) {
    const r = await planFeatureAction(context.billing, id, form, userActor(admin.id));
    if (r.kind === "done") {
      const toast = await setToast(context.env, { tone: "success", message: r.message });
      return redirect(r.to, { headers: { "Set-Cookie": toast } });
    }
    return data({ featureTerms: { result: r.result, review: r.review ?? null } }, { status: r.status });
  }
  const submission = parseWithZod(form, { schema: actionSchemaFor(plan) });
  if (submission.status !== "success") {
    const stray = Object.keys(submission.error ?? {}).some((k) => k !== "" && !DRAWN_FIELDS.includes(k));
    const reply = stray
      ? submission.reply({ formErrors: ["This form is out of date. Reload the page and try again."] })
      : submission.reply();
    return data({ result: reply }, { status: 400 });
  }
  const value = submission.value;
  // Deleting or archiving asks first: this answer renders the confirmation, which posts "delete".
  if (value.intent === "confirm-delete") return { result: submission.reply(), confirmDelete: true };
  const ctx = context.billing;
  const actor = userActor(admin.id);
  try {
    if (value.intent === "delete") {
      const result = await deleteOrArchivePlan(ctx, kind, id, actor);
      const name = current.plan.publicName;
      const message =
        "deleted" in result
          ? `“${name}” was deleted.`
          : `“${name}” is in use, so it was archived instead of deleted: nobody can buy it any more, existing subscribers keep renewing.`;
      return redirect("/admin/plans", {
        headers: { "Set-Cookie": await setToast(context.env, { tone: "success", message }) },
      });
    }
    await editPlan(ctx, kind, id, patchFrom(value, { rollover: editsRollover(plan) }), actor);
    return { ok: true as const, message: "Saved.", result: submission.reply() };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return formErrorResponse(submission, e, { fields: EDIT_FIELDS });
  }
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-sm text-slate-900">{children}</dd>
    </div>
  );
}

export default function EditPlan() {
  const { kind, plan, referenced, nextVersion, subscribers, features, selectedFeature, toast } =
    useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const rollover = editsRollover({ kind, stripePriceId: plan.stripePriceId });
  // Typed as the fuller schema: a plan whose form has no rollover fields simply does not render them.
  const schema = editPlanFormFor({ kind, stripePriceId: plan.stripePriceId }) as typeof editDraftSubscriptionPlanForm;
  const subscriptionTerms = "planFamily" in plan ? plan : null;
  const [form, fields] = useSchemaForm(schema, {
    id: `edit-${kind}-${plan.id}`,
    lastResult: result && "result" in result ? result.result : undefined,
    defaultValue: {
      publicName: plan.publicName,
      creditExpiryDays: String(plan.creditExpiryDays),
      isActive: plan.isActive ? "on" : undefined,
      isLegacy: plan.isLegacy ? "on" : undefined,
      rolloverPercent: subscriptionTerms ? String(subscriptionTerms.rolloverPercent) : undefined,
      rolloverMaxCredits: subscriptionTerms?.rolloverMaxCredits
        ? String(subscriptionTerms.rolloverMaxCredits)
        : undefined,
    },
  });
  const subscription = "planFamily" in plan ? plan : null;
  const archived = plan.archivedAt !== null;

  return (
    <div>
      <PageHeader title={planHeading(plan)}>
        <TextLink to="/admin/plans">← All plans</TextLink>
      </PageHeader>
      <Card>
        <div className="space-y-6">
          {result && "message" in result ? <ResultAlert result={result as { ok: true; message: string }} /> : null}
          <ToastMessage toast={toast} />

          <dl className="grid gap-4 sm:grid-cols-3">
            <Fact label="Internal id">
              <span className="font-mono">{plan.internalId}</span>
            </Fact>
            <Fact label={subscription ? "Credits per period" : "Credits"}>{formatCredits(plan.credits)}</Fact>
            <Fact label="Price">
              {formatMoney(plan.priceCents, plan.currency)}
              {subscription ? ` / ${subscription.interval}` : ""}
            </Fact>
            <Fact label="Stripe price">
              <span className="break-all font-mono">{plan.stripePriceId ?? "—"}</span>
            </Fact>
            <Fact label="Status">
              {archived ? (
                <>
                  Archived <Time value={plan.archivedAt} />
                </>
              ) : plan.isActive ? (
                "Active"
              ) : (
                "Inactive"
              )}
              {plan.isLegacy ? " · Legacy" : ""}
            </Fact>
            {subscription ? (
              <Fact label="Rollover">
                {subscription.rolloverPercent > 0
                  ? `${subscription.rolloverPercent}% of unused credits${
                      subscription.rolloverMaxCredits !== null
                        ? `, at most ${formatCredits(subscription.rolloverMaxCredits)}`
                        : ""
                    }`
                  : "None"}
              </Fact>
            ) : null}
            {subscribers !== null ? <Fact label="Live subscribers">{formatCredits(subscribers)}</Fact> : null}
          </dl>
          {plan.stripePriceId ? (
            <p className="text-sm text-slate-600">
              Credits, price, interval and rollover are fixed because the plan has a Stripe price. To change them,{" "}
              {subscription ? (
                <TextLink to={`/admin/plans/new?kind=subscription&from=${plan.id}`}>
                  create version {nextVersion} of “{subscription.planFamily}”
                </TextLink>
              ) : (
                <TextLink to={`/admin/plans/new?kind=topup&from=${plan.id}`}>create a new pack</TextLink>
              )}{" "}
              and mark this one legacy.
            </p>
          ) : null}

          <Form method="post" {...getFormProps(form)} className="space-y-5" key={plan.id}>
            <FormErrors id={form.errorId} errors={form.errors} />
            <div className="grid gap-5 sm:grid-cols-2">
              <Field field={fields.publicName} label="Public name" />
              <Field
                field={fields.creditExpiryDays}
                label="Credits expire after (days)"
                inputMode="numeric"
                hint="Applies to credits granted from now on; credits already granted keep their expiry."
              />
              {rollover ? <RolloverFields percent={fields.rolloverPercent} cap={fields.rolloverMaxCredits} /> : null}
            </div>
            <fieldset className="space-y-2">
              <legend className="sr-only">Availability</legend>
              <CheckboxField field={fields.isActive}>
                Active{archived ? " (restores the archived plan and its Stripe price)" : ""}
              </CheckboxField>
              <CheckboxField field={fields.isLegacy}>
                Legacy (existing subscribers keep renewing on it; new customers no longer see it)
              </CheckboxField>
            </fieldset>
            <FormActions cancelTo="/admin/plans" cancelLabel="Back to plans">
              <SubmitButton name="intent" value="update" pendingText="Saving…">
                Save changes
              </SubmitButton>
            </FormActions>
          </Form>
          {features ? (
            <PlanFeatureTerms
              planPath={`/admin/plans/${kind}/${plan.id}`}
              rows={features}
              selected={selectedFeature}
              subscribers={subscribers ?? 0}
              lastResult={result && "featureTerms" in result ? result.featureTerms.result : undefined}
              review={result && "featureTerms" in result ? result.featureTerms.review : null}
            />
          ) : null}

          {!archived || !referenced ? (
            <Form method="post" className="rounded-md border border-red-200 bg-red-50 p-4">
              <h3 className="text-sm font-semibold text-red-900">
                {referenced ? "Archive this plan" : "Delete this plan"}
              </h3>
              <p className="mt-1 text-sm text-red-900">
                {referenced
                  ? "Subscriptions or purchases refer to this plan, so it will be archived, not deleted: nobody can buy it any more, existing subscribers keep renewing on it."
                  : `Nothing refers to this ${kindLabel(kind)}, so it will be deleted.`}{" "}
                Its Stripe price is deactivated if this app created it.
              </p>
              {result && "confirmDelete" in result && result.confirmDelete ? (
                <div className="mt-3 space-y-2" data-testid="confirm-delete">
                  <p className="text-sm font-semibold text-red-900">
                    {referenced ? "Archive" : "Delete"} “{plan.publicName}” now? This cannot be undone from here.
                  </p>
                  <div className="flex flex-wrap items-center gap-4">
                    <SubmitButton name="intent" value="delete" variant="danger" pendingText="Working…">
                      {referenced ? "Yes, archive it" : "Yes, delete it"}
                    </SubmitButton>
                    <TextLink to={`/admin/plans/${kind}/${plan.id}`}>Cancel</TextLink>
                  </div>
                </div>
              ) : (
                <SubmitButton
                  name="intent"
                  value="confirm-delete"
                  variant="danger"
                  className="mt-3"
                  pendingText="Working…"
                >
                  {referenced ? "Archive plan…" : "Delete plan…"}
                </SubmitButton>
              )}
            </Form>
          ) : null}
        </div>
      </Card>
    </div>
  );
}
