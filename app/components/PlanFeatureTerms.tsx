import { getFormProps } from "@conform-to/react";
import type { SubmissionResult } from "@conform-to/react";
import { Form } from "@remix-run/react";
import type { FeatureTermsReview, PlanFeatureRow } from "~/pages/plan-features.server";
import { planFeatureForm } from "~/pages/price-book.schema";
import { DataTable } from "./DataTable";
import { formatCredits } from "./format";
import { CheckboxField, Field, FormActions, FormErrors, SelectField, SubmitButton, useSchemaForm } from "./forms";
import { priceText, unitsText } from "./PriceBook";
import { Badge, TextLink } from "./ui";

/**
 * The plan editor's rate-card section: the plan's terms per feature, and one form to change a
 * feature's (picked by the table's Edit link, so it works without JavaScript), reviewed first.
 */
export function PlanFeatureTerms({
  planPath,
  rows,
  selected,
  subscribers,
  lastResult,
  review,
}: {
  planPath: string;
  rows: PlanFeatureRow[];
  selected: string | null;
  subscribers: number;
  lastResult?: SubmissionResult<string[]>;
  review: FeatureTermsReview | null;
}) {
  const pick = rows.find((r) => r.key === selected) ?? rows.find((r) => !r.archived) ?? rows[0];
  const [form, fields] = useSchemaForm(planFeatureForm, {
    id: `plan-feature-${pick?.key ?? "none"}`,
    lastResult: review ? undefined : lastResult,
    defaultValue: pick
      ? {
          feature: pick.key,
          enabled: !pick.terms || pick.terms.enabled ? "on" : undefined,
          credits: pick.terms?.price ? String(pick.terms.price.credits) : "",
          perUnits: pick.terms?.price ? String(pick.terms.price.perUnits) : "",
          includedUnits: String(pick.terms?.includedUnits ?? 0),
        }
      : undefined,
  });
  const reviewed = review ? rows.find((r) => r.key === review.feature) : undefined;
  return (
    <section aria-labelledby="feature-terms-heading" className="space-y-4" id="feature-terms">
      <h2 id="feature-terms-heading" className="text-base font-semibold text-slate-900">
        Features on this plan
      </h2>
      <DataTable
        caption="This plan's terms per feature"
        rows={rows}
        rowKey={(r) => r.key}
        testId="plan-features"
        empty={
          <>
            No features yet. <TextLink to="/admin/features">Add one in the price book</TextLink>.
          </>
        }
        columns={[
          { header: "Feature", cell: (r) => `${r.name}${r.archived ? " (archived)" : ""}` },
          {
            header: "In plan",
            cell: (r) =>
              !r.terms || r.terms.enabled ? <Badge tone="green">Yes</Badge> : <Badge tone="slate">No</Badge>,
          },
          {
            header: "Price",
            cell: (r) =>
              r.terms?.price ? priceText(r.terms.price, r.unitName) : `${priceText(r.basePrice, r.unitName)} (base)`,
          },
          {
            header: "Included per period",
            align: "right",
            cell: (r) => unitsText(r.terms?.includedUnits ?? 0, r.unitName),
          },
          {
            header: "Change",
            hideHeader: true,
            cell: (r) => (
              <TextLink to={`${planPath}?feature=${encodeURIComponent(r.key)}#feature-terms`} preventScrollReset>
                Edit<span className="sr-only"> {r.name} terms</span>
              </TextLink>
            ),
          },
        ]}
      />
      {review && reviewed ? (
        <Form
          method="post"
          className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4"
          data-testid="review-feature"
        >
          <p className="text-sm text-amber-950">
            {review.changes ? (
              <>
                {reviewed.name}: {review.enabled ? "in the plan" : "not in the plan"},{" "}
                {review.price ? priceText(review.price, reviewed.unitName) : "the base price"},{" "}
                {unitsText(review.includedUnits, reviewed.unitName)} included per billing period.{" "}
                {review.newVersion
                  ? `This plan has ${formatCredits(subscribers)} live subscriber(s), so saving makes a new version with these terms and marks this one legacy; current subscribers keep their terms.`
                  : "Nobody is on this plan version, so it changes in place."}
              </>
            ) : (
              "These are the plan's terms already; saving changes nothing."
            )}
          </p>
          <input type="hidden" name="feature" value={review.feature} />
          {review.enabled ? <input type="hidden" name="enabled" value="on" /> : null}
          {review.price ? (
            <>
              <input type="hidden" name="credits" value={review.price.credits} />
              <input type="hidden" name="perUnits" value={review.price.perUnits} />
            </>
          ) : null}
          <input type="hidden" name="includedUnits" value={review.includedUnits} />
          <FormActions cancelTo={`${planPath}?feature=${encodeURIComponent(review.feature)}`} cancelLabel="Cancel">
            <SubmitButton name="intent" value="save-feature" pendingText="Saving…">
              {review.newVersion && review.changes ? "Yes, make the new version" : "Yes, save"}
            </SubmitButton>
          </FormActions>
        </Form>
      ) : pick ? (
        <Form method="post" {...getFormProps(form)} className="space-y-5" key={pick.key}>
          <FormErrors id={form.errorId} errors={form.errors} />
          <div className="grid gap-5 sm:grid-cols-2">
            <SelectField
              field={fields.feature}
              label="Feature"
              options={rows.map((r) => ({ value: r.key, label: `${r.name} (${r.key})` }))}
            />
            <Field
              field={fields.includedUnits}
              label="Included units per billing period"
              inputMode="numeric"
              hint="Free units, used before credits; they reset at renewal."
            />
            <Field
              field={fields.credits}
              label="Own price in credits"
              inputMode="numeric"
              optional
              hint="Leave both price fields empty for the base price."
            />
            <Field field={fields.perUnits} label="Own price per how many units" inputMode="numeric" optional />
          </div>
          <CheckboxField field={fields.enabled}>In this plan (unticked: subscribers cannot use it)</CheckboxField>
          <FormActions cancelTo="/admin/plans" cancelLabel="Back to plans">
            <SubmitButton name="intent" value="review-feature" variant="secondary" pendingText="Checking…">
              Review feature terms
            </SubmitButton>
          </FormActions>
        </Form>
      ) : null}
    </section>
  );
}
