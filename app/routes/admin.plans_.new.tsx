import { getFormProps } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { userActor } from "~/auth/audit.server";
import { requireAdmin } from "~/auth/session.server";
import { createPlan, editPlan } from "~/billing/plan-sync.server";
import { Card, PageHeader } from "~/components/AppShell";
import { pageTitle } from "~/components/format";
import { setToast } from "~/utils/toast.server";
import { RolloverFields } from "~/components/PlanFields";
import {
  CheckboxField,
  Field,
  FormActions,
  FormErrors,
  SelectField,
  SubmitButton,
  useSchemaForm,
} from "~/components/forms";
import {
  centsToPrice,
  createInputFrom,
  formFieldFor,
  newSubscriptionPlanForm,
  newTopupPlanForm,
} from "~/pages/plan-forms";
import {
  DEFAULT_CREDIT_EXPIRY_DAYS,
  PLAN_KINDS,
  getPlan,
  isPlanKind,
  nextPlanVersion,
  type PlanKind,
} from "~/plans/index.server";
import { isAppError } from "~/utils/errors";
import { formErrorResponse } from "~/utils/forms.server";

const SCHEMAS = { subscription: newSubscriptionPlanForm, topup: newTopupPlanForm } as const;

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: pageTitle(d ? newPlanHeading(d) : "New plan") },
];

function newPlanHeading({
  kind,
  from,
}: {
  kind: PlanKind;
  from: { publicName: string; family: string | null } | null;
}) {
  if (kind === "subscription") return from ? `New version of “${from.family}”` : "New subscription plan";
  return from ? `New top-up pack based on “${from.publicName}”` : "New top-up pack";
}

/**
 * `?kind=subscription|topup`; `?from=<id>` starts from an existing plan — for a subscription
 * plan that is the next version of its family (same family, version + 1).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const url = new URL(request.url);
  const rawKind = url.searchParams.get("kind");
  const kind: PlanKind = isPlanKind(rawKind) ? rawKind : "subscription";
  const fromId = Number(url.searchParams.get("from"));
  const from = Number.isSafeInteger(fromId) && fromId > 0 ? getPlan(context.db, kind, fromId) : undefined;
  const defaults: Record<string, string> = {
    currency: "usd",
    interval: "month",
    creditExpiryDays: String(DEFAULT_CREDIT_EXPIRY_DAYS[kind]),
  };
  if (from) {
    Object.assign(defaults, {
      publicName: from.plan.publicName,
      credits: String(from.plan.credits),
      price: centsToPrice(from.plan.priceCents),
      currency: from.plan.currency,
      creditExpiryDays: String(from.plan.creditExpiryDays),
    });
    if (from.kind === "subscription") {
      Object.assign(defaults, {
        planFamily: from.plan.planFamily,
        version: String(nextPlanVersion(context.db, from.plan.planFamily)),
        interval: from.plan.interval,
        rolloverPercent: String(from.plan.rolloverPercent),
        rolloverMaxCredits: from.plan.rolloverMaxCredits === null ? "" : String(from.plan.rolloverMaxCredits),
      });
    }
  }
  return {
    kind,
    from: from
      ? {
          id: from.plan.id,
          publicName: from.plan.publicName,
          isLegacy: from.plan.isLegacy,
          family: "planFamily" in from.plan ? from.plan.planFamily : null,
        }
      : null,
    defaults,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const form = await request.formData();
  const kind = form.get("kind");
  if (!isPlanKind(kind)) {
    const submission = parseWithZod(form, { schema: newSubscriptionPlanForm });
    return data(
      { result: submission.reply({ formErrors: [`Choose a kind of plan: ${PLAN_KINDS.join(" or ")}.`] }) },
      { status: 400 },
    );
  }
  const submission = parseWithZod(form, { schema: SCHEMAS[kind] });
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const actor = userActor(admin.id);
  const ctx = context.billing;
  try {
    const created = await createPlan(ctx, createInputFrom(submission.value), actor);
    const fromId = submission.value.from;
    if (submission.value.markPreviousLegacy && fromId !== undefined && fromId !== created.plan.id) {
      await editPlan(ctx, kind, fromId, { isLegacy: true }, actor);
    }
    const message = `“${created.plan.publicName}” was created, with its Stripe product and price.`;
    return redirect("/admin/plans", {
      headers: { "Set-Cookie": await setToast(context.env, { tone: "success", message }) },
    });
  } catch (e) {
    if (!isAppError(e)) throw e;
    const fields = Object.keys(SCHEMAS[kind].innerType().shape);
    return formErrorResponse(submission, e, { fields, fieldFor: formFieldFor });
  }
}

export default function NewPlan() {
  const { kind, from, defaults } = useLoaderData<typeof loader>();
  const schema = SCHEMAS[kind];
  const [form, fields] = useSchemaForm(schema, {
    id: `new-${kind}-${from?.id ?? ""}`,
    lastResult: useActionData<typeof action>()?.result,
    // Checked unless the person unchecks them.
    defaultValue: { ...defaults, isActive: "on", markPreviousLegacy: "on" },
  });
  const subscription = kind === "subscription";
  const title = newPlanHeading({ kind, from });

  return (
    <div>
      <PageHeader title={title} />
      <Card>
        <Form method="post" {...getFormProps(form)} className="space-y-5" key={form.id}>
          <FormErrors id={form.errorId} errors={form.errors} />
          <input type="hidden" name="kind" value={kind} />
          {from ? <input type="hidden" name="from" value={from.id} /> : null}

          <div className="grid gap-5 sm:grid-cols-2">
            {subscription ? (
              <>
                <Field
                  field={fields.planFamily}
                  label="Plan family"
                  hint="Versions of one plan share a family, e.g. starter."
                />
                <Field
                  field={fields.version}
                  label="Version"
                  optional
                  inputMode="numeric"
                  hint="Leave empty for the family's next version."
                />
              </>
            ) : null}
            <Field
              field={fields.internalId}
              label="Internal id"
              optional={subscription}
              hint={subscription ? "Defaults to <family>-v<version>." : "A stable id such as pack-500."}
            />
            <Field field={fields.publicName} label="Public name" hint="What customers see." />
            <Field
              field={fields.credits}
              label={subscription ? "Credits per billing period" : "Credits"}
              inputMode="numeric"
            />
            <Field
              field={fields.price}
              label="Price"
              inputMode="decimal"
              hint="In the currency's main unit, e.g. 10.00."
            />
            <Field field={fields.currency} label="Currency" hint="Three letters, e.g. usd." />
            {subscription ? (
              <SelectField
                field={fields.interval}
                label="Billing interval"
                options={[
                  { value: "month", label: "Monthly" },
                  { value: "year", label: "Yearly" },
                ]}
              />
            ) : null}
            {subscription ? <RolloverFields percent={fields.rolloverPercent} cap={fields.rolloverMaxCredits} /> : null}
            <Field
              field={fields.creditExpiryDays}
              label="Credits expire after (days)"
              inputMode="numeric"
              hint={
                subscription
                  ? "Used only when a billing period is unknown; period credits expire at period end."
                  : undefined
              }
            />
            <Field
              field={fields.stripePriceId}
              label="Existing Stripe price id"
              optional
              hint="Leave empty to create the Stripe product and price now. Give one to adopt a price made in Stripe (its amount must match)."
            />
          </div>

          <fieldset className="space-y-2">
            <legend className="sr-only">Options</legend>
            <CheckboxField field={fields.isActive}>Active (offered to customers right away)</CheckboxField>
            {from && !from.isLegacy ? (
              <CheckboxField field={fields.markPreviousLegacy}>
                Mark “{from.publicName}” legacy (its subscribers keep renewing on it; new customers see only this one)
              </CheckboxField>
            ) : null}
          </fieldset>

          <FormActions cancelTo="/admin/plans" cancelLabel="Cancel">
            <SubmitButton pendingText="Creating…">{subscription ? "Create plan" : "Create pack"}</SubmitButton>
          </FormActions>
        </Form>
      </Card>
    </div>
  );
}
