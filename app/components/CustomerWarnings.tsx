import { KIND_LABELS } from "./BalanceSummary";
import { formatCredits, formatMoney, plural } from "./format";
import { TextLink, Time } from "./ui";

/** What the credits and billing pages warn about (app/pages/customer-warnings.server.ts, as JSON). */
export interface WarningsLike {
  expiringSoon: { amount: number; type: "subscription" | "topup" | "promotional"; expiresAt: string; inDays: number }[];
  lowBalance: { balance: number; threshold: number } | null;
  failedPayment: { amountCents: number; currency: string; description: string; url: string | null } | null;
  subscriptionNeedsPayment: boolean;
}

const box = "rounded-md border px-4 py-3 text-sm";

/** "in 3 days", "within a day". */
export function inDaysText(inDays: number): string {
  return inDays <= 0 ? "within a day" : `in ${plural(inDays, "day")}`;
}

/**
 * Warnings before something is lost: credits that expire within a week (with what to do), a
 * balance under the customer's threshold, a payment that failed. Nothing when all is well.
 */
export function CustomerWarnings({ warnings }: { warnings: WarningsLike }) {
  const { expiringSoon, lowBalance, failedPayment, subscriptionNeedsPayment } = warnings;
  if (!expiringSoon.length && !lowBalance && !failedPayment && !subscriptionNeedsPayment) return null;
  return (
    <section aria-label="Warnings" className="space-y-3">
      {failedPayment || subscriptionNeedsPayment ? (
        <div className={`${box} border-red-300 bg-red-50 text-red-900`} data-testid="warning-failed-payment">
          <p className="font-semibold">Your last payment did not go through.</p>
          <p className="mt-1">
            {failedPayment ? (
              <>
                {formatMoney(failedPayment.amountCents, failedPayment.currency)} for {failedPayment.description} was
                declined.{" "}
              </>
            ) : null}
            Update your card in the customer portal on the billing page to keep your plan; Stripe tries again in a few
            days.
            {failedPayment?.url ? (
              <>
                {" "}
                <a className="font-medium underline" href={failedPayment.url} rel="noreferrer" target="_blank">
                  See the invoice
                </a>
                .
              </>
            ) : null}
          </p>
        </div>
      ) : null}
      {expiringSoon.length ? (
        <div className={`${box} border-amber-300 bg-amber-50 text-amber-950`} data-testid="warning-expiring">
          <p className="font-semibold">
            {plural(
              expiringSoon.reduce((sum, e) => sum + e.amount, 0),
              "credit",
            )}{" "}
            expire within 7 days
          </p>
          <ul className="mt-1 list-disc space-y-0.5 pl-5">
            {expiringSoon.map((e) => (
              <li key={`${e.type}-${e.expiresAt}`}>
                {formatCredits(e.amount)} {KIND_LABELS[e.type].toLowerCase()} credits expire on{" "}
                <Time value={e.expiresAt} /> ({inDaysText(e.inDays)}).
              </li>
            ))}
          </ul>
          <p className="mt-1">
            Unused credits are lost when they expire. Credits are spent subscription credits first, then promotional,
            then top-ups, so use these before then; nothing brings them back afterwards.
          </p>
        </div>
      ) : null}
      {lowBalance ? (
        <div className={`${box} border-sky-300 bg-sky-50 text-sky-950`} data-testid="warning-low-balance">
          <p>
            <strong className="font-semibold">Your balance is low:</strong> {plural(lowBalance.balance, "credit")} left,
            below your alert level of {formatCredits(lowBalance.threshold)}.{" "}
            <TextLink to="/billing">Buy a top-up pack or change your plan</TextLink>.
          </p>
        </div>
      ) : null}
    </section>
  );
}
