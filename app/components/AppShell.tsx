import { Form, Link, NavLink } from "@remix-run/react";
import type { ReactNode } from "react";
import { DemoBanner } from "./DemoBanner";
import { buttonStyles } from "./forms";
import { mainNav, visibleNav, type NavItem } from "./nav";

export interface ShellUser {
  email: string;
  name: string;
  role: string;
}

function navLinkClass({ isActive }: { isActive: boolean }) {
  return `block rounded-md px-3 py-2 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 ${
    isActive ? "bg-indigo-50 text-indigo-700" : "text-slate-700 hover:bg-slate-100 hover:text-slate-900"
  }`;
}

export function NavList({ items, label }: { items: NavItem[]; label: string }) {
  return (
    <nav aria-label={label}>
      <ul className="flex flex-wrap gap-1">
        {items.map((item) => (
          <li key={item.to}>
            {item.active === undefined ? (
              <NavLink to={item.to} end={item.end} prefetch="intent" className={navLinkClass}>
                {item.label}
              </NavLink>
            ) : (
              <Link
                to={item.to}
                prefetch="intent"
                aria-current={item.active ? "page" : undefined}
                className={navLinkClass({ isActive: item.active })}
              >
                {item.label}
              </Link>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Header, navigation and page frame shared by every page (rendered by app/root.tsx). */
export function AppShell({
  user,
  demo = false,
  children,
}: {
  user: ShellUser | null;
  demo?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="flex min-h-full flex-col">
      {/* First focusable element, before the demo banner's link, so it stays a skip link (axe's region). */}
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-10 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      {demo ? <DemoBanner /> : null}
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link
            to="/"
            className="rounded-sm text-lg font-bold tracking-tight text-indigo-700 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
          >
            Credits
          </Link>
          {/* On phones the links get a row of their own below the logo and the log-out button. */}
          {user ? (
            <div className="order-last w-full sm:order-none sm:w-auto">
              <NavList items={visibleNav(mainNav, user.role)} label="Main" />
            </div>
          ) : null}
          <div className="ml-auto flex items-center gap-3">
            {user ? (
              <>
                <span className="hidden text-sm text-slate-600 sm:inline" title={user.email}>
                  {user.name || user.email}
                </span>
                <Form method="post" action="/logout">
                  <button type="submit" className={buttonStyles.secondary}>
                    Log out
                  </button>
                </Form>
              </>
            ) : (
              <>
                <Link to="/login" className={buttonStyles.link}>
                  Log in
                </Link>
                <Link to="/signup" className={buttonStyles.primary}>
                  Sign up
                </Link>
              </>
            )}
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-5xl flex-1 px-4 py-8">
        {children}
      </main>
    </div>
  );
}

/** Page heading with an optional line below it. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="mb-6">
      <h1 className="text-2xl font-bold tracking-tight text-slate-900 sm:text-3xl">{title}</h1>
      {children ? <div className="mt-1 text-slate-600">{children}</div> : null}
    </div>
  );
}

export function Card({ title, children, className = "" }: { title?: string; children: ReactNode; className?: string }) {
  return (
    <section className={`rounded-lg border border-slate-200 bg-white p-5 shadow-sm ${className}`}>
      {title ? <h2 className="mb-3 text-lg font-semibold text-slate-900">{title}</h2> : null}
      {children}
    </section>
  );
}
