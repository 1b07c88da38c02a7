import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "~/auth/session.server";
import { adminReport, reportCsvLines } from "~/billing/reports.server";
import { csvResponse } from "~/utils/csv.server";

/** GET /admin/reports.csv?days=30|90 — the reports page's numbers, one row per day. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const days = new URL(request.url).searchParams.get("days") === "90" ? 90 : 30;
  return csvResponse(reportCsvLines(adminReport(context, days)), `report-${days}-days.csv`);
}
