import { Link } from "@remix-run/react";
import type { AuditRow } from "~/auth/audit-query.server";
import type { Column } from "./DataTable";
import { Time, linkClass } from "./ui";

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
    { header: "What", cell: (a) => <code className="text-xs text-slate-800">{a.action}</code> },
  ];
  if (show.subject) {
    columns.push({
      header: "Subject",
      cell: (a) =>
        show.subject === "link" && a.subject && /^user:\d+$/.test(a.subject) ? (
          <Link to={`/admin/customers/${a.subject.slice(5)}`} className={`${linkClass} break-all`}>
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
      cell: (a) => <code className="break-all text-xs">{a.details ? JSON.stringify(a.details) : "—"}</code>,
    });
  }
  return columns;
}
