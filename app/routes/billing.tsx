import type { LoaderFunctionArgs } from "@remix-run/node";
import { Outlet } from "@remix-run/react";
import { requireUser } from "~/auth/session.server";

/** The billing section (/billing, /billing/success). Each child checks the user again. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireUser(request, context);
  return null;
}

export default function BillingLayout() {
  return <Outlet />;
}
