/**
 * The navigation, as data: pages add themselves here (one line) instead of editing the layout.
 * `adminOnly` items are hidden from customers; hiding is cosmetic — every admin loader and
 * action checks the role on the server.
 */
export interface NavItem {
  to: string;
  label: string;
  adminOnly?: boolean;
  /** Active only on exactly this path (for section home pages such as /admin). */
  end?: boolean;
  /** Set when "current" depends on more than the path (e.g. a `?show=` filter). */
  active?: boolean;
}

/** The main bar, for logged-in users. */
export const mainNav: NavItem[] = [
  { to: "/credits", label: "Credits" },
  { to: "/billing", label: "Billing" },
  { to: "/account", label: "Account" },
  { to: "/admin", label: "Admin", adminOnly: true },
  { to: "/docs/api", label: "API", adminOnly: true },
];

/** The admin section's own tabs (app/routes/admin.tsx). */
export const adminNav: NavItem[] = [
  { to: "/admin", label: "Overview", end: true },
  { to: "/admin/customers", label: "Customers" },
  { to: "/admin/reports", label: "Reports" },
  { to: "/admin/plans", label: "Plans" },
  { to: "/admin/features", label: "Price book" },
  { to: "/admin/events", label: "Stripe events" },
  { to: "/admin/audit", label: "Audit" },
  { to: "/admin/import", label: "Import" },
  { to: "/admin/outbox", label: "Outbox" },
  { to: "/admin/api-keys", label: "API keys" },
  { to: "/admin/webhooks", label: "Webhooks" },
];

export function visibleNav(items: NavItem[], role: string | null | undefined): NavItem[] {
  return items.filter((item) => !item.adminOnly || role === "admin");
}
