import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "~/auth/session.server";
import { getUserById } from "~/auth/users.server";
import { isLedgerType, ledgerCsvChunks } from "~/credits/customer-view.server";
import { csvResponse } from "~/utils/csv.server";

/** GET /admin/customers/:userId/ledger.csv[?type=…] — the ledger (one entry type, as the page filters), streamed in pages. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const userId = /^\d{1,15}$/.test(params.userId ?? "") ? Number(params.userId) : 0;
  const user = userId > 0 ? getUserById(context.db, userId) : undefined;
  if (!user) throw new Response("No such customer.", { status: 404 });
  const param = new URL(request.url).searchParams.get("type");
  const type = isLedgerType(param) ? param : null;
  return csvResponse(
    ledgerCsvChunks(context, userId, 1000, type),
    `ledger-user-${userId}${type ? `-${type}` : ""}.csv`,
  );
}
