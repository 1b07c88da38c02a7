import type { ReactNode } from "react";
import { formatDay } from "./format";

/*
 * Charts drawn on the server as SVG: no client JavaScript, and every chart comes with the table of
 * its numbers so screen readers (and anyone who wants exact values) read the table.
 */

export interface Series {
  label: string;
  /** One value per day. */
  values: number[];
  /** A Tailwind stroke/fill colour class pair, e.g. "text-indigo-600". */
  colorClass: string;
}

const WIDTH = 640;
const HEIGHT = 200;
const PAD = { left: 8, right: 8, top: 12, bottom: 20 };

function niceMax(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

/**
 * A line per series over days. The SVG is decorative to assistive technology (aria-hidden) because
 * the table next to it carries the same numbers; the caption names the chart for everyone.
 */
export function LineChart({
  title,
  days,
  series,
  format,
  testId,
}: {
  title: string;
  /** UTC calendar days ("2026-11-08"), oldest first; the axis says them as dates people read. */
  days: string[];
  series: Series[];
  format: (n: number) => string;
  testId?: string;
}) {
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (days.length <= 1 ? innerW / 2 : (i * innerW) / (days.length - 1));
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  return (
    <figure className="space-y-2" data-testid={testId}>
      <figcaption className="text-sm font-semibold text-slate-900">{title}</figcaption>
      <div className="flex items-baseline justify-between text-xs text-slate-600">
        <span>max {format(max)}</span>
      </div>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="h-auto w-full" aria-hidden="true" focusable="false">
        {[0, 0.5, 1].map((f) => (
          <line
            key={f}
            x1={PAD.left}
            x2={WIDTH - PAD.right}
            y1={y(max * f)}
            y2={y(max * f)}
            className="stroke-slate-200"
            strokeWidth={1}
          />
        ))}
        {series.map((s) => (
          <polyline
            key={s.label}
            fill="none"
            strokeWidth={2}
            stroke="currentColor"
            className={s.colorClass}
            points={s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ")}
          />
        ))}
        <text x={PAD.left} y={HEIGHT - 4} className="fill-slate-600" fontSize={11}>
          {days.length ? formatDay(days[0]!) : null}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 4} textAnchor="end" className="fill-slate-600" fontSize={11}>
          {days.length ? formatDay(days[days.length - 1]!) : null}
        </text>
      </svg>
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700" aria-hidden="true">
        {series.map((s) => (
          <li key={s.label} className="flex items-center gap-1.5">
            <span className={`inline-block h-0.5 w-4 bg-current ${s.colorClass}`} />
            {s.label}
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** The numbers behind a chart, one row per day, with a totals row. Collapsed by default. */
export function SeriesTable({
  caption,
  days,
  series,
  format,
  totals,
  extra,
}: {
  caption: string;
  /** UTC calendar days ("2026-11-08"), one row each. */
  days: string[];
  series: Pick<Series, "label" | "values">[];
  format: (n: number) => string;
  totals?: (number | null)[];
  extra?: ReactNode;
}) {
  return (
    <details className="mt-2 text-sm">
      <summary className="cursor-pointer font-medium text-indigo-700">Table: {caption}</summary>
      {/* A scrolling box must be reachable by keyboard (axe: scrollable-region-focusable). */}
      {/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex */}
      <div className="mt-2 max-h-96 overflow-auto" tabIndex={0} role="region" aria-label={caption}>
        <table className="w-full text-left text-xs tabular-nums">
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              <th scope="col" className="px-2 py-1">
                Day
              </th>
              {series.map((s) => (
                <th key={s.label} scope="col" className="px-2 py-1 text-right">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((day, i) => (
              <tr key={day} className="border-t border-slate-100">
                <th scope="row" className="px-2 py-1 font-normal">
                  <time dateTime={day}>{formatDay(day)}</time>
                </th>
                {series.map((s) => (
                  <td key={s.label} className="px-2 py-1 text-right">
                    {format(s.values[i] ?? 0)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
          {totals ? (
            <tfoot>
              <tr className="border-t-2 border-slate-300 font-semibold">
                <th scope="row" className="px-2 py-1">
                  Total
                </th>
                {totals.map((t, i) => (
                  <td key={series[i]?.label ?? i} className="px-2 py-1 text-right">
                    {t === null ? "—" : format(t)}
                  </td>
                ))}
              </tr>
            </tfoot>
          ) : null}
        </table>
        {extra}
      </div>
    </details>
  );
}
