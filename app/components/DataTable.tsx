import type { ReactNode } from "react";
import { EmptyState } from "./ui";

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  /** Numbers line up on the right. */
  align?: "right";
  /** Read by screen readers but not shown (e.g. "Actions"). */
  hideHeader?: boolean;
  className?: string;
}

/**
 * Every list in the app. On wide screens a table; on phones each row becomes a small card of
 * "header: value" lines, so nothing hides behind a sideways scroll. The per-cell labels are
 * display:none on wide screens, so they are not part of the cells' accessible names there.
 */
export function DataTable<T>({
  columns,
  rows,
  rowKey,
  empty,
  caption,
  testId,
  emptyTestId,
  rowAttributes,
}: {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  empty: ReactNode;
  caption?: string;
  testId?: string;
  emptyTestId?: string;
  rowAttributes?: (row: T) => Record<`data-${string}`, string>;
}) {
  if (rows.length === 0) return <EmptyState testId={emptyTestId}>{empty}</EmptyState>;
  return (
    <div className="sm:-mx-2 sm:overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid={testId}>
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead className="hidden border-b border-slate-200 sm:table-header-group">
          <tr>
            {columns.map((c) => (
              <th
                key={c.header}
                scope="col"
                className={`whitespace-nowrap px-2 py-2 text-xs font-semibold uppercase tracking-wide text-slate-600 ${c.align === "right" ? "text-right" : ""}`}
              >
                {c.hideHeader ? <span className="sr-only">{c.header}</span> : c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="block divide-y divide-slate-100 sm:table-row-group">
          {rows.map((row) => (
            <tr key={rowKey(row)} className="block py-3 first:pt-0 sm:table-row sm:py-0" {...rowAttributes?.(row)}>
              {columns.map((c) => (
                <td
                  key={c.header}
                  className={`flex items-baseline justify-between gap-4 py-1 text-slate-800 sm:table-cell sm:px-2 sm:py-2.5 sm:align-top ${
                    c.align === "right" ? "tabular-nums sm:text-right" : ""
                  } ${c.className ?? ""}`}
                >
                  {c.hideHeader ? null : <span className="shrink-0 text-slate-500 sm:hidden">{c.header}</span>}
                  <span className={c.align === "right" ? "text-right" : "min-w-0 text-right sm:text-left"}>
                    {c.cell(row)}
                  </span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
