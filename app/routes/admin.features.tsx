import { ToastMessage } from "~/components/ui";
import { getFormProps } from "@conform-to/react";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { userActor } from "~/auth/audit.server";
import { requireAdmin } from "~/auth/session.server";
import { Card, PageHeader } from "~/components/AppShell";
import { DataTable } from "~/components/DataTable";
import { pageTitle } from "~/components/format";
import { Field, FormActions, FormErrors, SubmitButton, useSchemaForm } from "~/components/forms";
import { priceText } from "~/components/PriceBook";
import { Badge, TextLink, Time } from "~/components/ui";
import { listFeatures } from "~/features/index.server";
import { createFeatureForm } from "~/pages/price-book.schema";
import { createFeatureAction } from "~/pages/price-book.server";
import { setToast, takeToast } from "~/utils/toast.server";

export const meta: MetaFunction = () => [{ title: pageTitle("Price book") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const { toast, clear } = await takeToast(request, context.env);
  const features = listFeatures(context).map((f) => ({
    key: f.key,
    name: f.name,
    unitName: f.unitName,
    archived: f.archived,
    price: f.price,
    versions: f.prices.length,
    scheduled: f.prices.find((p) => p.version > f.price.version && p.effectiveAt > f.price.effectiveAt) ?? null,
  }));
  return data({ features, toast }, clear ? { headers: { "Set-Cookie": clear } } : undefined);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(request, context);
  const r = createFeatureAction(context, await request.formData(), userActor(admin.id));
  if (r.kind === "done") {
    return redirect(r.to, {
      headers: { "Set-Cookie": await setToast(context.env, { tone: "success", message: r.message }) },
    });
  }
  return data({ result: r.result }, { status: r.status });
}

export default function PriceBook() {
  const { features, toast } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [form, fields] = useSchemaForm(createFeatureForm, { id: "create-feature", lastResult: answer?.result });
  return (
    <div className="space-y-6">
      <PageHeader title="Price book">
        Features your customers use, priced in credits. Plans can override a price and include free units.
      </PageHeader>
      <ToastMessage toast={toast} />
      <Card title="Features">
        <DataTable
          caption="Features with their price now"
          rows={features}
          rowKey={(f) => f.key}
          testId="features"
          empty="No features yet. Create the first one below."
          columns={[
            {
              header: "Feature",
              cell: (f) => (
                <TextLink to={`/admin/features/${encodeURIComponent(f.key)}`}>
                  {f.name} <span className="font-mono text-xs">({f.key})</span>
                </TextLink>
              ),
            },
            {
              header: "Price now",
              cell: (f) => (
                <>
                  {priceText(f.price, f.unitName)}
                  {f.scheduled ? (
                    <span className="block text-xs text-slate-600">
                      then {priceText(f.scheduled, f.unitName)} from{" "}
                      <Time value={f.scheduled.effectiveAt} format="date" />
                    </span>
                  ) : null}
                </>
              ),
            },
            { header: "Versions", align: "right", cell: (f) => f.versions },
            {
              header: "Status",
              cell: (f) => (f.archived ? <Badge tone="slate">Archived</Badge> : <Badge tone="green">Active</Badge>),
            },
          ]}
        />
      </Card>
      <Card title="New feature">
        <Form method="post" {...getFormProps(form)} className="space-y-5">
          <FormErrors id={form.errorId} errors={form.errors} />
          <div className="grid gap-5 sm:grid-cols-2">
            <Field
              field={fields.key}
              label="Key"
              hint="What services send, e.g. images or llm.tokens. It never changes."
              autoComplete="off"
            />
            <Field field={fields.name} label="Name" />
            <Field field={fields.unitName} label="Unit name" hint="One unit, e.g. image or token." />
            <Field field={fields.description} label="Description" optional />
            <Field
              field={fields.credits}
              label="Price in credits"
              inputMode="numeric"
              hint="A whole number, 0 or more."
            />
            <Field
              field={fields.perUnits}
              label="Per how many units"
              inputMode="numeric"
              hint="1 credit per 1,000 tokens: credits 1, units 1000."
            />
          </div>
          <FormActions cancelTo="/admin" cancelLabel="Back to admin">
            <SubmitButton name="intent" value="create" pendingText="Creating…">
              Create feature
            </SubmitButton>
          </FormActions>
        </Form>
      </Card>
    </div>
  );
}
