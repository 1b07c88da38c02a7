import { Link } from "@remix-run/react";
import type { AuditRow } from "~/auth/audit-query.server";
import type { Column } from "./DataTable";
import { Time, linkClass } from "./ui";
import { auditActionLabel, describeAuditDetails } from "./audit-details";

/** The admin page of what an audit row is about, when it has one. */
function subjectPath(subject: string | null): string | null {
  const m = /^(user|subscription_plan|topup_plan|stripe_event):(.+)$/.exec(subject ?? "");
  if (!m) return null;
  const id = encodeURIComponent(m[2]!);
  if (m[1] === "user") return `/admin/customers/${id}`;
  if (m[1] === "stripe_event") return `/admin/events/${id}`;
  return `/admin/plans/${m[1] === "topup_plan" ? "topup" : "subscription"}/${id}`;
}

/** An audit row's details as labelled lines instead of its stored JSON. */
function AuditDetails({ details }: { details: Record<string, unknown> | null }) {
  const lines = describeAuditDetails(details);
  if (lines.length === 0) return <span>—</span>;
  return (
    <ul className="space-y-0.5 text-xs text-slate-700">
      {lines.map((l) => (
        <li key={l.label} className="break-words">
          <span className="font-medium text-slate-900">{l.label}:</span> {l.value}
        </li>
      ))}
    </ul>
  );
}

/**
 * The audit log's columns, the same on the admin home, the audit page and a customer's page:
 * when, who (an email wraps at 390 px instead of widening the page), what; the subject (as a link
 * to the customer when it is one) and the details where the page wants them.
 */
export function auditColumns(show: { subject?: "text" | "link"; details?: boolean }): Column<AuditRow>[] {
  const columns: Column<AuditRow>[] = [
    { header: "When", cell: (a) => <Time value={a.createdAt} /> },
    {
      header: "Who",
      cell: (a) => (
        <span title={a.actor} className="break-all">
          {a.actorLabel}
        </span>
      ),
    },
    {
      header: "What",
      cell: (a) => <span title={a.action}>{auditActionLabel(a.action)}</span>,
    },
  ];
  if (show.subject) {
    columns.push({
      header: "Subject",
      cell: (a) =>
        show.subject === "link" && subjectPath(a.subject) ? (
          <Link to={subjectPath(a.subject)!} className={`${linkClass} break-all`}>
            {a.subjectLabel}
          </Link>
        ) : (
          <span title={a.subject ?? undefined} className="break-all">
            {a.subjectLabel ?? "—"}
          </span>
        ),
    });
  }
  if (show.details) {
    columns.push({
      header: "Details",
      cell: (a) => <AuditDetails details={a.details} />,
    });
  }
  return columns;
}
