import { useForm, type SubmissionResult } from "@conform-to/react";
import { Form, Link, useLocation } from "@remix-run/react";
import type { GrantView } from "~/credits/index.server";
import { Card } from "~/components/AppShell";
import { KIND_LABELS } from "~/components/BalanceSummary";
import { DataTable } from "~/components/DataTable";
import { formatCredits } from "~/components/format";
import { buttonStyles, FormErrors } from "~/components/forms";
import { Badge, Time, linkClass, type Tone } from "~/components/ui";
import { pageLink } from "./pageLink";

const STATUS_TONES: Record<string, Tone> = {
  active: "green",
  pending: "sky",
  depleted: "slate",
  expired: "amber",
  voided: "red",
};

type GrantRow = GrantView & { createdAt: string };

/** A void reaches held credits too (docs/decisions/017), so a grant fully held can be voided. */
const voidable = (g: GrantRow, held: number) =>
  (g.status === "active" || g.status === "pending" || g.status === "depleted") && g.remaining + held > 0;

/** Every grant of the customer, with a Void button on each that still has credits (free or held). */
export function GrantsCard({
  grants,
  held,
  lastResult,
}: {
  grants: { rows: GrantRow[]; nextBefore: number | null };
  held: Record<string, number>;
  lastResult?: SubmissionResult<string[]>;
}) {
  const location = useLocation();
  const [voidForm] = useForm({ id: "void", lastResult });
  return (
    <Card title="Grants">
      <FormErrors id={voidForm.errorId} errors={voidForm.errors} />
      <DataTable
        caption="Every grant of this customer, newest first"
        testId="grants"
        rows={grants.rows}
        rowKey={(g) => g.id}
        rowAttributes={(g) => ({ "data-grant-id": String(g.id) })}
        empty="No grants yet."
        columns={[
          { header: "Grant", cell: (g) => `#${g.id}` },
          { header: "Kind", cell: (g) => KIND_LABELS[g.type] },
          { header: "Status", cell: (g) => <Badge tone={STATUS_TONES[g.status] ?? "slate"}>{g.status}</Badge> },
          { header: "Amount", align: "right", cell: (g) => formatCredits(g.amount) },
          { header: "Left", align: "right", cell: (g) => formatCredits(g.remaining) },
          { header: "Held", align: "right", cell: (g) => (held[g.id] ? formatCredits(held[g.id]) : "—") },
          { header: "Expires", cell: (g) => (g.expiresAt ? <Time value={g.expiresAt} /> : "Never") },
          { header: "Reason", cell: (g) => g.reason ?? "—" },
          {
            header: "Actions",
            hideHeader: true,
            cell: (g) =>
              voidable(g, held[g.id] ?? 0) ? (
                <Form method="post" action={`${location.pathname}${location.search}`}>
                  <input type="hidden" name="grantId" value={g.id} />
                  <button
                    type="submit"
                    name="intent"
                    value="confirm-void"
                    className={buttonStyles.link}
                    aria-label={`Void grant #${g.id}`}
                  >
                    Void…
                  </button>
                </Form>
              ) : null,
          },
        ]}
      />
      {grants.nextBefore ? (
        <p className="mt-3 text-sm">
          <Link to={pageLink(location.search, { grants: String(grants.nextBefore) })} className={linkClass}>
            Older grants
          </Link>
        </p>
      ) : null}
    </Card>
  );
}
