import { Link, type LinkProps } from "@remix-run/react";
import type { ReactNode } from "react";
import { formatDate, formatDateTime } from "./format";
import { Alert, buttonStyles } from "./forms";

export type Tone = "green" | "amber" | "red" | "sky" | "slate";

const BADGE_TONES: Record<Tone, string> = {
  green: "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
  amber: "bg-amber-50 text-amber-800 ring-amber-600/20",
  red: "bg-red-50 text-red-800 ring-red-600/20",
  sky: "bg-sky-50 text-sky-800 ring-sky-600/20",
  slate: "bg-slate-100 text-slate-700 ring-slate-500/20",
};

/** A small status pill. */
export function Badge({ tone, children, testId }: { tone: Tone; children: ReactNode; testId?: string }) {
  return (
    <span
      className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${BADGE_TONES[tone]}`}
      data-testid={testId}
    >
      {children}
    </span>
  );
}

/**
 * A date in a `<time>` element. `date` shows the day only and keeps the exact instant in the
 * tooltip; `datetime` shows the instant to the minute. Both say UTC.
 */
export function Time({
  value,
  format = "datetime",
}: {
  value: string | null | undefined;
  format?: "date" | "datetime";
}) {
  if (!value) return <>—</>;
  return (
    <time dateTime={value} title={formatDateTime(value)} className="whitespace-nowrap">
      {format === "date" ? formatDate(value) : formatDateTime(value)}
    </time>
  );
}

/** A big number with a label, for overview rows. `children` go below (a note or a link). */
export function Stat({
  label,
  value,
  children,
  testId,
}: {
  label: string;
  value: string;
  children?: ReactNode;
  testId?: string;
}) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className="mt-1 text-3xl font-bold tabular-nums text-slate-900" data-testid={testId}>
        {value}
      </dd>
      {children ? <dd className="mt-1 text-sm text-slate-600">{children}</dd> : null}
    </div>
  );
}

/** A link that looks like a button (navigation, not an action: no form needed). */
export function ButtonLink({
  variant = "primary",
  className = "",
  ...props
}: LinkProps & { variant?: keyof typeof buttonStyles }) {
  return <Link prefetch="intent" {...props} className={`${buttonStyles[variant]} ${className}`} />;
}

/** An inline text link in the app's link colour, with a visible focus ring. */
export function TextLink({ className = "", ...props }: LinkProps) {
  return <Link {...props} className={`${linkClass} ${className}`} />;
}

export const linkClass =
  "font-medium text-indigo-700 underline decoration-indigo-300 underline-offset-2 hover:decoration-indigo-700 " +
  "focus-visible:rounded-sm focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";

/** The answer of a quick action (`{ ok, message }`), as a success or error banner. */
export function ResultAlert({ result }: { result: { ok: boolean; message?: string | null } | undefined }) {
  if (!result?.message) return null;
  return <Alert tone={result.ok ? "success" : "error"}>{result.message}</Alert>;
}

/**
 * A Stripe object's id as a link to where it can be seen (Stripe's dashboard, or the offline
 * Stripe's page in the demo); plain text where there is no such page.
 */
export function StripeIdLink({ id, href, label }: { id: string; href: string | null; label: string }) {
  const text = <span className="break-all font-mono text-xs">{id}</span>;
  if (!href) return <span title={label}>{text}</span>;
  const external = href.startsWith("https://");
  return (
    <a
      href={href}
      className={linkClass}
      aria-label={`${label} ${id}${external ? " (opens Stripe)" : ""}`}
      {...(external ? { target: "_blank", rel: "noreferrer" } : {})}
    >
      {text}
    </a>
  );
}

/** The one-time message a redirect carried in the toast cookie (app/utils/toast.server.ts). */
export function ToastMessage({ toast }: { toast: { tone: "success" | "error"; message: string } | null }) {
  if (!toast) return null;
  return (
    <div
      role="status"
      data-testid="toast"
      className={`rounded-md border px-4 py-3 text-sm ${toast.tone === "success" ? "border-emerald-300 bg-emerald-50 text-emerald-800" : "border-red-300 bg-red-50 text-red-800"}`}
    >
      {toast.message}
    </div>
  );
}

/** What a list shows when it has nothing in it: what that means and, if any, what to do next. */
export function EmptyState({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <p
      className="rounded-md border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-600"
      data-testid={testId}
    >
      {children}
    </p>
  );
}
