import { getFormProps, type SubmissionResult } from "@conform-to/react";
import { Form } from "@remix-run/react";
import type { ReactNode } from "react";
import { Card } from "~/components/AppShell";
import { formatMoney, nameWithCredits, plural } from "~/components/format";
import { Field, SubmitButton, useSchemaForm } from "~/components/forms";
import { EmptyState } from "~/components/ui";
import { topupSchema, type OfferedPack } from "./forms";

/** One plan or pack on sale: name, terms, and a form that buys it (the caller's fields and button). */
export function OfferCard({
  plan,
  terms,
  formProps,
  children,
}: {
  plan: Pick<OfferedPack, "id" | "internalId" | "publicName">;
  terms: string;
  formProps?: ReturnType<typeof getFormProps>;
  children: ReactNode;
}) {
  return (
    <li className="flex flex-col rounded-md border border-slate-200 p-4" data-plan={plan.internalId}>
      <p className="font-semibold text-slate-900">{plan.publicName}</p>
      <p className="text-sm text-slate-700">{terms}</p>
      <Form method="post" {...formProps} className="mt-auto flex flex-wrap items-end gap-2 pt-3">
        <input type="hidden" name="planId" value={plan.id} />
        {children}
      </Form>
    </li>
  );
}

/** A pack on sale with its own Conform form: the quantity is checked in the browser and on the server. */
function TopupOffer({ plan, lastResult }: { plan: OfferedPack; lastResult?: SubmissionResult<string[]> }) {
  const [form, fields] = useSchemaForm(topupSchema, {
    id: `pack-${plan.id}`,
    lastResult,
    defaultValue: { quantity: "1" },
  });
  return (
    <OfferCard
      plan={plan}
      formProps={getFormProps(form)}
      terms={[
        // A pack named for its credits ("500 credits") does not say them twice.
        nameWithCredits(plan.publicName, plan.credits) === plan.publicName ? null : plural(plan.credits, "credit"),
        formatMoney(plan.priceCents, plan.currency),
        `valid ${plural(plan.creditExpiryDays, "day")}`,
      ]
        .filter(Boolean)
        .join(" · ")}
    >
      <Field field={fields.quantity} label="How many packs" type="number" inputMode="numeric" className="w-24" />
      <SubmitButton name="intent" value="topup" pendingText="Opening checkout…">
        {`Buy ${plan.publicName}`}
      </SubmitButton>
    </OfferCard>
  );
}

/** The packs on sale, each with its own form (its quantity error shown beside it). */
export function TopupPacksCard({
  packs,
  quantityError,
}: {
  packs: OfferedPack[];
  quantityError?: { planId?: string; result?: SubmissionResult<string[]> };
}) {
  return (
    <Card title="Top-up packs">
      <p className="text-sm text-slate-700">One-off credits, used after your subscription and promotional credits.</p>
      {packs.length === 0 ? (
        <div className="mt-3">
          <EmptyState>No packs are on sale right now.</EmptyState>
        </div>
      ) : (
        <ul className="mt-3 grid gap-3 sm:grid-cols-2">
          {packs.map((p) => (
            <TopupOffer
              key={p.id}
              plan={p}
              lastResult={quantityError?.planId === String(p.id) ? quantityError.result : undefined}
            />
          ))}
        </ul>
      )}
    </Card>
  );
}
