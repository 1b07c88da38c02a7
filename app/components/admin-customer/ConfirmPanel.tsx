import { Form, Link } from "@remix-run/react";
import { formatCredits, formatDateTime, formatMoney } from "~/components/format";

/** The instant a grant "usable through" a UTC day expires (the next midnight UTC), as the grants list says it. */
const endOfDay = (day: string) => Date.parse(`${day}T00:00:00Z`) + 86_400_000;
import { buttonStyles, SubmitButton } from "~/components/forms";
import { RoleConfirmPanel } from "~/components/RoleChange";
import type { CustomerConfirm } from "./forms";

type MoneyConfirm = Exclude<CustomerConfirm, { kind: "role" }>;

const TITLES: { [K in MoneyConfirm["kind"]]: (c: Extract<MoneyConfirm, { kind: K }>) => string } = {
  adjust: (c) =>
    c.amount > 0 ? `Add ${formatCredits(c.amount)} credits?` : `Take ${formatCredits(-c.amount)} credits away?`,
  void: (c) => `Void grant #${c.grantId}?`,
  grant: (c) => `Grant ${formatCredits(c.amount)} promotional credits?`,
  refund: (c) => `Refund ${formatMoney(c.amountCents, c.currency)}?`,
};

const YES = { adjust: "Yes, adjust", void: "Yes, void it", grant: "Yes, grant them", refund: "Yes, refund it" };

/** The second step of every change on the admin customer page: what will happen, and a button to do it. */
export function ConfirmPanel({ confirm, action }: { confirm: CustomerConfirm; action: string }) {
  if (confirm.kind === "role") {
    const [pathname, search = ""] = action.split("?");
    return <RoleConfirmPanel confirm={confirm} pathname={pathname} search={search ? `?${search}` : ""} />;
  }
  const title = (TITLES[confirm.kind] as (c: MoneyConfirm) => string)(confirm);
  const positive = confirm.kind === "grant" || (confirm.kind === "adjust" && confirm.amount > 0);
  return (
    <section
      aria-labelledby="confirm-title"
      className="rounded-lg border-2 border-amber-400 bg-amber-50 p-5"
      data-testid="confirm"
    >
      <h2 id="confirm-title" className="text-lg font-semibold text-slate-900">
        {title}
      </h2>
      <div className="mt-2 text-sm text-slate-800">
        <Consequence confirm={confirm} />
      </div>
      <Form method="post" action={action} className="mt-4 space-y-3">
        <input type="hidden" name="key" value={confirm.key} />
        <HiddenFields confirm={confirm} />
        <div className="flex flex-wrap items-center gap-4">
          <SubmitButton
            name="intent"
            value={confirm.kind}
            variant={positive ? "primary" : "danger"}
            pendingText="Working…"
          >
            {YES[confirm.kind]}
          </SubmitButton>
          <Link to={action} className={buttonStyles.link}>
            Cancel
          </Link>
        </div>
      </Form>
    </section>
  );
}

function Consequence({ confirm: c }: { confirm: MoneyConfirm }) {
  switch (c.kind) {
    case "adjust":
      return (
        <p>
          Reason: “{c.reason}”. The balance is {formatCredits(c.balance)} now
          {c.amount > 0 ? ` and will be ${formatCredits(c.balance + c.amount)}.` : "."}
        </p>
      );
    case "void":
      return (
        <p>
          {c.grantLabel}: its {formatCredits(c.remaining)} remaining credits
          {c.held > 0 ? ` and the ${formatCredits(c.held)} held for open holds` : ""} are removed for good.
        </p>
      );
    case "grant":
      return (
        <p>
          Reason: “{c.reason}”.{" "}
          {c.expiresOn ? `They expire ${formatDateTime(endOfDay(c.expiresOn))}.` : "They never expire."}
        </p>
      );
    case "refund":
      return (
        <p>
          {c.description}: paid {formatMoney(c.paidCents, c.currency)}
          {c.refundedCents > 0 ? `, ${formatMoney(c.refundedCents, c.currency)} refunded already` : ""}. Stripe returns{" "}
          {formatMoney(c.amountCents, c.currency)} to the card;{" "}
          {c.credits > 0
            ? `then up to ${formatCredits(c.credits)} credits it paid for leave the balance (spent credits stay spent).`
            : "no credits are taken back."}
        </p>
      );
  }
}

function HiddenFields({ confirm: c }: { confirm: MoneyConfirm }) {
  switch (c.kind) {
    case "void":
      return (
        <>
          <input type="hidden" name="grantId" value={c.grantId} />
          <div>
            <label htmlFor="void-reason" className="block text-sm font-medium text-slate-800">
              Reason <span className="font-normal text-slate-600">(optional)</span>
            </label>
            <input
              id="void-reason"
              name="reason"
              defaultValue={c.reason}
              maxLength={200}
              className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2"
            />
          </div>
        </>
      );
    case "refund":
      return (
        <>
          <input type="hidden" name="payment" value={c.payment} />
          <input type="hidden" name="amount" value={c.amount} />
        </>
      );
    default:
      return (
        <>
          <input type="hidden" name="amount" value={c.amount} />
          <input type="hidden" name="reason" value={c.reason} />
          {c.kind === "grant" ? <input type="hidden" name="expiresOn" value={c.expiresOn} /> : null}
        </>
      );
  }
}
