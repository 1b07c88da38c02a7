import { Form } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { Card } from "~/components/AppShell";
import { formatCredits, formatMoney } from "~/components/format";
import { SubmitButton } from "~/components/forms";
import { planDisplayName } from "~/components/Subscription";
import { ButtonLink, Time } from "~/components/ui";
import type { CancelReview, PlanReview } from "./forms";

/** Moves focus to a confirmation step when it appears, so keyboard and screen-reader users land on it. */
function useFocusOnMount<T extends HTMLElement>(key: unknown) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (key) ref.current?.focus();
  }, [key]);
  return ref;
}

/** The confirmation step of a plan change: what Stripe charges now and at renewal, and the credits. */
export function ReviewChange({ review }: { review: PlanReview }) {
  const ref = useFocusOnMount<HTMLHeadingElement>(review);
  const { kind, current, target } = review;
  const keep = kind === "keep";
  const verb = keep ? `Keep ${planDisplayName(current)}` : `Switch to ${target.publicName}`;
  return (
    <Card>
      <div data-testid="plan-change-review" className="space-y-3">
        <h2 ref={ref} tabIndex={-1} className="text-lg font-semibold text-slate-900 focus:outline-none">
          {keep
            ? `Keep ${planDisplayName(current)} after renewal?`
            : `Switch from ${planDisplayName(current)} to ${target.publicName}?`}
        </h2>
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
          <dt className="text-slate-600">Charged now</dt>
          <dd className="font-semibold text-slate-900" data-testid="amount-now">
            {formatMoney(review.amountNowCents, review.currency)}
            <span className="ml-1 font-normal text-slate-600">
              {kind === "upgrade"
                ? "— the difference for the rest of this period"
                : kind === "downgrade"
                  ? "— the change takes effect at renewal"
                  : ""}
            </span>
          </dd>
          <dt className="text-slate-600">At renewal</dt>
          <dd className="text-slate-900" data-testid="amount-at-renewal">
            {formatMoney(review.amountAtRenewalCents, review.currency)}
            {review.renewsAt ? (
              <>
                {" "}
                on <Time value={review.renewsAt} format="date" />
              </>
            ) : null}
            , then every {target.interval}
          </dd>
          <dt className="text-slate-600">Credits</dt>
          <dd className="text-slate-900" data-testid="credits-brought">
            {kind === "upgrade" ? (
              <>
                +{formatCredits(review.creditsNow)} now for the rest of this period, then{" "}
                {formatCredits(review.creditsPerPeriod)} every {target.interval}
              </>
            ) : (
              <>
                {formatCredits(review.creditsPerPeriod)} every {target.interval} from renewal
              </>
            )}
          </dd>
        </dl>
        <p className="text-xs text-slate-600">Amounts are Stripe&apos;s own preview of the invoice.</p>
        <div className="flex flex-wrap items-center gap-3">
          <Form method="post">
            <input type="hidden" name="planId" value={target.id} />
            <input type="hidden" name="prorationDate" value={review.prorationDate} />
            <input type="hidden" name="confirm" value="yes" />
            <SubmitButton name="intent" value="change-plan" pendingText="Working…">
              {`Yes, ${verb.charAt(0).toLowerCase()}${verb.slice(1)}`}
            </SubmitButton>
          </Form>
          <ButtonLink to="/billing" variant="secondary">
            No, go back
          </ButtonLink>
        </div>
      </div>
    </Card>
  );
}

/** The confirmation step of a cancellation: when it ends, and that nothing more is charged. */
export function ReviewCancel({ review }: { review: CancelReview }) {
  const ref = useFocusOnMount<HTMLHeadingElement>(review);
  return (
    <Card>
      <div data-testid="cancel-review" className="space-y-3">
        <h2 ref={ref} tabIndex={-1} className="text-lg font-semibold text-slate-900 focus:outline-none">
          Cancel your {review.planName ?? ""} subscription?
        </h2>
        <p className="text-sm text-slate-700">
          It will not renew. It ends
          {review.endsAt ? (
            <>
              {" "}
              on <Time value={review.endsAt} />
            </>
          ) : (
            " at the end of this period"
          )}
          ; nothing more is charged and the credits you have stay until they expire. You can resume it until then.
        </p>
        <div className="flex flex-wrap items-center gap-3">
          <Form method="post">
            <input type="hidden" name="confirm" value="yes" />
            <SubmitButton name="intent" value="cancel" pendingText="Canceling…">
              Yes, cancel at period end
            </SubmitButton>
          </Form>
          <ButtonLink to="/billing" variant="secondary">
            No, keep my subscription
          </ButtonLink>
        </div>
      </div>
    </Card>
  );
}
