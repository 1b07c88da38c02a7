import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "~/auth/session.server";
import { usageReport } from "~/features/index.server";
import { featureReportCsvLines } from "~/pages/feature-usage.server";
import { csvResponse } from "~/utils/csv.server";

/** GET /admin/reports/features.csv?days=30|90 — credits and units by feature across customers. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const days = new URL(request.url).searchParams.get("days") === "90" ? 90 : 30;
  return csvResponse(featureReportCsvLines(usageReport(context, days)), `usage-by-feature-${days}-days.csv`);
}
