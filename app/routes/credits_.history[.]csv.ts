import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/auth/session.server";
import { customerLedgerCsvChunks, isLedgerType } from "~/credits/customer-view.server";
import { csvResponse } from "~/utils/csv.server";

/** GET /credits/history.csv[?type=…] — the customer's own ledger, oldest first, streamed in pages. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const type = new URL(request.url).searchParams.get("type");
  return csvResponse(
    customerLedgerCsvChunks(context, user.id, { type: isLedgerType(type) ? type : null }),
    `credits-history${isLedgerType(type) ? `-${type}` : ""}.csv`,
  );
}
