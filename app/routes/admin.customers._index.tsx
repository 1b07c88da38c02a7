import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/auth/session.server";
import { listCustomers, type CustomerSort } from "~/pages/customers.server";
import { Card, PageHeader } from "~/components/AppShell";
import { DataTable } from "~/components/DataTable";
import { buttonStyles } from "~/components/forms";
import { formatCredits, pageTitle } from "~/components/format";
import { Badge, Time, linkClass } from "~/components/ui";

export const meta: MetaFunction = () => [{ title: pageTitle("Customers") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  const url = new URL(request.url);
  const q = (url.searchParams.get("q") ?? "").slice(0, 200);
  const sort: CustomerSort = url.searchParams.get("sort") === "balance" ? "balance" : "created";
  const dir = url.searchParams.get("dir") === "asc" ? "asc" : "desc";
  const cursor = url.searchParams.get("cursor");
  const page = listCustomers(context.db, { q, sort, dir, cursor });
  return { q, sort, dir, cursor, ...page };
}

function link(params: Record<string, string | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : "/admin/customers";
}

export default function Customers() {
  const { q, sort, dir, cursor, rows, nextCursor } = useLoaderData<typeof loader>();
  const sortLink = (by: CustomerSort) => {
    const nextDir = sort === by && dir === "desc" ? "asc" : "desc";
    return link({ q, sort: by, dir: nextDir });
  };
  const arrow = (by: CustomerSort) => (sort === by ? (dir === "desc" ? " ↓" : " ↑") : "");
  return (
    <div className="space-y-6">
      <PageHeader title="Customers">
        Find a customer by part of their email, their name or their Stripe customer id.
      </PageHeader>
      <Card>
        <Form method="get" role="search" className="flex flex-wrap items-end gap-3">
          <div className="min-w-0 flex-1">
            <label htmlFor="customer-search" className="block text-sm font-medium text-slate-800">
              Search
            </label>
            <input
              id="customer-search"
              type="search"
              name="q"
              defaultValue={q}
              maxLength={200}
              placeholder="e.g. jane@ or cus_123"
              className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2"
            />
          </div>
          <input type="hidden" name="sort" value={sort} />
          <input type="hidden" name="dir" value={dir} />
          <button type="submit" className={buttonStyles.primary}>
            Search
          </button>
        </Form>
        <p className="mt-4 flex flex-wrap gap-4 text-sm">
          <span className="text-slate-600">Sort by:</span>
          <Link to={sortLink("created")} className={linkClass} aria-current={sort === "created" ? "true" : undefined}>
            Created{arrow("created")}
          </Link>
          <Link to={sortLink("balance")} className={linkClass} aria-current={sort === "balance" ? "true" : undefined}>
            Balance{arrow("balance")}
          </Link>
        </p>
      </Card>
      <Card>
        <DataTable
          caption={q ? `Customers matching “${q}”` : "All customers"}
          testId="customers"
          rows={rows}
          rowKey={(r) => r.id}
          empty={q ? `No customer matches “${q}”.` : "No customers yet."}
          columns={[
            {
              header: "Email",
              cell: (r) => (
                <Link to={`/admin/customers/${r.id}`} className={`${linkClass} break-all`}>
                  {r.email}
                </Link>
              ),
            },
            { header: "Name", cell: (r) => r.name || "—" },
            { header: "Plan", cell: (r) => (r.planName ? `${r.planName} v${r.planVersion}` : "—") },
            {
              header: "Status",
              cell: (r) =>
                r.subscriptionStatus ? (
                  <Badge tone={r.subscriptionStatus === "active" ? "green" : "amber"}>{r.subscriptionStatus}</Badge>
                ) : (
                  "—"
                ),
            },
            { header: "Balance", align: "right", cell: (r) => formatCredits(r.balance) },
            { header: "Created", cell: (r) => <Time value={r.createdAt} format="date" /> },
          ]}
        />
        <nav aria-label="Pages" className="mt-4 flex gap-4 text-sm">
          {cursor ? (
            <Link to={link({ q, sort, dir })} className={linkClass}>
              First page
            </Link>
          ) : null}
          {nextCursor ? (
            <Link to={link({ q, sort, dir, cursor: nextCursor })} className={linkClass}>
              Next page
            </Link>
          ) : null}
        </nav>
      </Card>
    </div>
  );
}
