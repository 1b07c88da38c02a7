import { ToastMessage } from "~/components/ui";
import { getFormProps } from "@conform-to/react";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { userActor } from "~/auth/audit.server";
import { requireAdmin } from "~/auth/session.server";
import { Card, PageHeader } from "~/components/AppShell";
import { DataTable } from "~/components/DataTable";
import { pageTitle } from "~/components/format";
import { CheckboxField, Field, FormActions, FormErrors, SubmitButton, useSchemaForm } from "~/components/forms";
import { priceText } from "~/components/PriceBook";
import { Badge, TextLink, Time } from "~/components/ui";
import { editFeatureForm, newPriceForm } from "~/pages/price-book.schema";
import { featurePageAction, requireFeatureForPage } from "~/pages/price-book.server";
import { setToast, takeToast } from "~/utils/toast.server";

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: pageTitle(d ? d.feature.name : "Feature") },
];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const feature = requireFeatureForPage(context, params.key);
  const { toast, clear } = await takeToast(request, context.env);
  return data({ feature, toast }, clear ? { headers: { "Set-Cookie": clear } } : undefined);
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const feature = requireFeatureForPage(context, params.key);
  const form = await request.formData();
  const r = featurePageAction(context, feature, form, userActor(admin.id));
  if (r.kind === "done") {
    return redirect(r.to, {
      headers: { "Set-Cookie": await setToast(context.env, { tone: "success", message: r.message }) },
    });
  }
  const formName = String(form.get("intent")) === "update" ? ("edit" as const) : ("price" as const);
  return data({ form: formName, result: r.result, review: r.review ?? null }, { status: r.status });
}

export default function FeaturePage() {
  const { feature, toast } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [editForm, edit] = useSchemaForm(editFeatureForm, {
    id: `edit-feature-${feature.key}`,
    lastResult: answer?.form === "edit" ? answer.result : undefined,
    defaultValue: {
      name: feature.name,
      unitName: feature.unitName,
      description: feature.description ?? "",
      archived: feature.archived ? "on" : undefined,
    },
  });
  const review = answer?.form === "price" ? answer.review : null;
  const [priceForm, price] = useSchemaForm(newPriceForm, {
    id: `price-${feature.key}`,
    lastResult: answer?.form === "price" && !review ? answer.result : undefined,
  });
  const self = `/admin/features/${encodeURIComponent(feature.key)}`;
  return (
    <div className="space-y-6">
      <PageHeader title={feature.name}>
        <span className="font-mono">{feature.key}</span> · {priceText(feature.price, feature.unitName)} now
        {feature.archived ? " · archived" : ""} · <TextLink to="/admin/features">← Price book</TextLink>
      </PageHeader>
      <ToastMessage toast={toast} />

      <Card title="Price history">
        <DataTable
          caption="Every base price version, latest first"
          rows={feature.prices}
          rowKey={(p) => p.version}
          testId="price-history"
          empty="No prices."
          columns={[
            { header: "Version", align: "right", cell: (p) => p.version },
            { header: "Price", cell: (p) => priceText(p, feature.unitName) },
            { header: "From", cell: (p) => <Time value={p.effectiveAt} /> },
            {
              header: "Status",
              cell: (p) =>
                p.version === feature.price.version ? (
                  <Badge tone="green">In effect</Badge>
                ) : p.effectiveAt > feature.price.effectiveAt ? (
                  <Badge tone="sky">Scheduled</Badge>
                ) : (
                  <Badge tone="slate">Past</Badge>
                ),
            },
          ]}
        />
      </Card>

      <Card title="New price">
        {review ? (
          <Form
            method="post"
            className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4"
            data-testid="review-price"
          >
            <p className="text-sm text-amber-950">
              From {review.effectiveOn ? <strong>{review.effectiveOn} (00:00 UTC)</strong> : <strong>now</strong>},
              usage of {feature.name} costs <strong>{priceText(review, feature.unitName)}</strong> instead of{" "}
              {priceText(review.current, feature.unitName)}, for every customer on the base price. Usage already
              recorded keeps its price; plans with their own price are not affected.
            </p>
            <input type="hidden" name="credits" value={review.credits} />
            <input type="hidden" name="perUnits" value={review.perUnits} />
            {review.effectiveOn ? <input type="hidden" name="effectiveOn" value={review.effectiveOn} /> : null}
            <FormActions cancelTo={self} cancelLabel="Cancel">
              <SubmitButton name="intent" value="add-price" pendingText="Adding…">
                Yes, add this price
              </SubmitButton>
            </FormActions>
          </Form>
        ) : (
          <Form method="post" {...getFormProps(priceForm)} className="space-y-5">
            <FormErrors id={priceForm.errorId} errors={priceForm.errors} />
            <div className="grid gap-5 sm:grid-cols-3">
              <Field field={price.credits} label="Price in credits" inputMode="numeric" />
              <Field field={price.perUnits} label="Per how many units" inputMode="numeric" />
              <Field
                field={price.effectiveOn}
                label="In effect from"
                type="date"
                optional
                hint="A day in UTC; empty or today means now."
              />
            </div>
            <FormActions cancelTo="/admin/features" cancelLabel="Back to the price book">
              <SubmitButton name="intent" value="review-price" pendingText="Checking…">
                Review price
              </SubmitButton>
            </FormActions>
          </Form>
        )}
      </Card>

      <Card title="Details">
        <Form method="post" {...getFormProps(editForm)} className="space-y-5">
          <FormErrors id={editForm.errorId} errors={editForm.errors} />
          <div className="grid gap-5 sm:grid-cols-2">
            <Field field={edit.name} label="Name" />
            <Field field={edit.unitName} label="Unit name" />
            <Field field={edit.description} label="Description" optional className="sm:col-span-2" />
          </div>
          <CheckboxField field={edit.archived}>
            Archived (checks and usage of it are refused; its history stays)
          </CheckboxField>
          <FormActions cancelTo="/admin/features" cancelLabel="Back to the price book">
            <SubmitButton name="intent" value="update" pendingText="Saving…">
              Save details
            </SubmitButton>
          </FormActions>
        </Form>
      </Card>
    </div>
  );
}
