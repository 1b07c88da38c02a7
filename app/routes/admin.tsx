import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Outlet } from "@remix-run/react";
import { requireAdmin } from "~/auth/session.server";
import { NavList } from "~/components/AppShell";
import { adminNav } from "~/components/nav";
import { pageTitle } from "~/components/format";

export const meta: MetaFunction = () => [{ title: pageTitle("Overview") }];

/**
 * The admin section's frame. This check covers only rendering the frame: Remix runs child loaders
 * in parallel with this one and child actions without it, so every admin route checks again.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  return null;
}

export default function AdminLayout() {
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 pb-3">
        <p className="text-sm font-semibold uppercase tracking-wide text-slate-500">Admin</p>
        <NavList items={adminNav} label="Admin" />
      </div>
      <Outlet />
    </div>
  );
}
