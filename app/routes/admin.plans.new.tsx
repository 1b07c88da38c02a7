import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { userActor } from "~/auth/audit.server";
import { requireAdmin } from "~/auth/session.server";
import { createPlan, editPlan } from "~/billing/plan-sync.server";
import { getStripe } from "~/billing/stripe.server";
import { Card } from "~/components/AppShell";
import { Alert, CheckboxField, Field, FormActions, SelectField, SubmitButton, useFormFeedback } from "~/components/forms";
import { CREATE_FORM_FIELDS, centsToPrice, createInputFromForm, formFieldFor, formValues } from "~/plans/form-input";
import {
  DEFAULT_CREDIT_EXPIRY_DAYS,
  PLAN_KINDS,
  getPlan,
  isPlanKind,
  nextPlanVersion,
  parseCreatePlanInput,
  type PlanKind,
} from "~/plans/index.server";
import { httpStatusFor, isAppError } from "~/utils/errors";

export const meta: MetaFunction = () => [{ title: "New plan — Admin — Credits" }];

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
      });
    }
  }
  return {
    kind,
    from: from ? { id: from.plan.id, publicName: from.plan.publicName, isLegacy: from.plan.isLegacy, family: "planFamily" in from.plan ? from.plan.planFamily : null } : null,
    defaults,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const form = await request.formData();
  const kind = form.get("kind");
  if (!isPlanKind(kind)) {
    return data(
      { fieldErrors: {} as Record<string, string>, formError: `Choose a kind of plan: ${PLAN_KINDS.join(" or ")}.`, values: {} as Record<string, string> },
      { status: 400 },
    );
  }
  const actor = userActor(admin.id);
  const ctx = { ...context, stripe: getStripe(context) };
  try {
    const created = await createPlan(ctx, parseCreatePlanInput(kind, createInputFromForm(kind, form)), actor);
    const fromId = Number(form.get("from"));
    if (form.get("markPreviousLegacy") === "on" && Number.isSafeInteger(fromId) && fromId > 0 && fromId !== created.plan.id) {
      await editPlan(ctx, kind, fromId, { isLegacy: true }, actor);
    }
    return redirect("/admin/plans?done=created");
  } catch (e) {
    if (!isAppError(e)) throw e;
    const values = formValues(form, CREATE_FORM_FIELDS[kind]);
    const field = e.field ? formFieldFor(e.field) : null;
    const onForm = field && CREATE_FORM_FIELDS[kind].includes(field);
    return data(
      {
        fieldErrors: (onForm ? { [field]: e.message } : {}) as Record<string, string>,
        formError: onForm ? null : e.message,
        values,
      },
      { status: httpStatusFor(e.code) },
    );
  }
}

export default function NewPlan() {
  const { kind, from, defaults } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { formRef, field, formError } = useFormFeedback(result, CREATE_FORM_FIELDS[kind], defaults);
  const subscription = kind === "subscription";
  const title = subscription
    ? from
      ? `New version of “${from.family}”`
      : "New subscription plan"
    : from
      ? `New top-up pack based on “${from.publicName}”`
      : "New top-up pack";

  return (
    <Card title={title}>
      <Form method="post" ref={formRef} noValidate className="space-y-5" key={`${kind}-${from?.id ?? ""}`}>
        {formError ? <Alert>{formError}</Alert> : null}
        <input type="hidden" name="kind" value={kind} />
        {from ? <input type="hidden" name="from" value={from.id} /> : null}

        <div className="grid gap-5 sm:grid-cols-2">
          {subscription ? (
            <>
              <Field label="Plan family" required hint="Versions of one plan share a family, e.g. starter." {...field("planFamily")} />
              <Field label="Version" inputMode="numeric" hint="Leave empty for the family's next version." {...field("version")} />
            </>
          ) : null}
          <Field
            label="Internal id"
            required={!subscription}
            hint={subscription ? "Defaults to <family>-v<version>." : "A stable id such as pack-500."}
            {...field("internalId")}
          />
          <Field label="Public name" required hint="What customers see." {...field("publicName")} />
          <Field label={subscription ? "Credits per billing period" : "Credits"} inputMode="numeric" required {...field("credits")} />
          <Field label="Price" inputMode="decimal" required hint="In the currency's main unit, e.g. 10.00." {...field("price")} />
          <Field label="Currency" required hint="Three letters, e.g. usd." {...field("currency")} />
          {subscription ? (
            <SelectField
              label="Billing interval"
              options={[
                { value: "month", label: "Monthly" },
                { value: "year", label: "Yearly" },
              ]}
              {...field("interval")}
            />
          ) : null}
          <Field
            label="Credits expire after (days)"
            inputMode="numeric"
            required
            hint={subscription ? "Used only when a billing period is unknown; period credits expire at period end." : undefined}
            {...field("creditExpiryDays")}
          />
          <Field
            label="Existing Stripe price id"
            hint="Leave empty to create the Stripe product and price now. Give one to adopt a price made in Stripe (its amount must match)."
            {...field("stripePriceId")}
          />
        </div>

        <fieldset className="space-y-2">
          <legend className="sr-only">Options</legend>
          <CheckboxField name="isActive" defaultChecked>
            Active (offered to customers right away)
          </CheckboxField>
          {from && !from.isLegacy ? (
            <CheckboxField name="markPreviousLegacy" defaultChecked>
              Mark “{from.publicName}” legacy (its subscribers keep renewing on it; new customers see only this one)
            </CheckboxField>
          ) : null}
        </fieldset>

        <FormActions cancelTo="/admin/plans" cancelLabel="Cancel">
          <SubmitButton pendingText="Creating…">{subscription ? "Create plan" : "Create pack"}</SubmitButton>
        </FormActions>
      </Form>
    </Card>
  );
}
