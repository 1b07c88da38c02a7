import type { ReactNode } from "react";

/**
 * A secret shown in the answer that made it and nowhere else (only its hash or its signing use is
 * kept): read-only text the person can select and copy.
 */
export function SecretOnce({
  title,
  label,
  secret,
  children,
}: {
  title: string;
  label: string;
  secret: string;
  children?: ReactNode;
}) {
  return (
    <section
      aria-labelledby="secret-title"
      className="rounded-lg border-2 border-emerald-400 bg-emerald-50 p-5"
      data-testid="secret-once"
    >
      <h2 id="secret-title" className="text-lg font-semibold text-slate-900">
        {title}
      </h2>
      <p className="mt-2 text-sm text-slate-800">
        Copy it now and keep it somewhere safe: it is shown only this once and cannot be shown again.
      </p>
      <label htmlFor="secret-value" className="mt-3 block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id="secret-value"
        readOnly
        value={secret}
        data-testid="secret-value"
        className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm text-slate-900"
      />
      {children ? <div className="mt-3 text-sm text-slate-800">{children}</div> : null}
    </section>
  );
}

/** The review step of a second-POST confirmation: what will happen, then the form that does it. */
export function ConfirmSection({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section
      aria-labelledby={`${id}-title`}
      className="rounded-lg border-2 border-amber-400 bg-amber-50 p-5"
      data-testid={id}
    >
      <h2 id={`${id}-title`} className="text-lg font-semibold text-slate-900">
        {title}
      </h2>
      <div className="mt-2 space-y-3 text-sm text-slate-800">{children}</div>
    </section>
  );
}
