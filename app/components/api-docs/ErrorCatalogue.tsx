/** The error catalogue on /docs/api: code → HTTP status → meaning → what to do. */
import { Text } from "./SchemaViews";

export interface CatalogueEntry {
  code: string;
  status: number;
  meaning: string;
  action: string;
}

export function ErrorCatalogue({ entries }: { entries: CatalogueEntry[] }) {
  return (
    <section aria-labelledby="errors" className="space-y-3">
      <h2 id="errors" className="scroll-mt-4 text-2xl font-bold tracking-tight text-slate-900">
        Errors
      </h2>
      <p className="max-w-3xl text-slate-700">
        Every error is <code>{`{"error": {"code", "message", "field"?}}`}</code>; map the <code>code</code>, never the
        message. Every answer under <code>/api</code> carries a <code>Request-Id</code> (send your own as{" "}
        <code>X-Request-Id</code>): quote it when you report a problem.
      </p>
      {/* A list rather than a table: it reads as well at 390 px without scrolling sideways. */}
      <dl className="max-w-3xl divide-y divide-slate-100 text-sm">
        {entries.map((e) => (
          <div key={e.code} className="py-2">
            <dt className="font-semibold text-slate-900">
              <code>{e.code}</code> <span className="font-normal text-slate-600">— HTTP {e.status}</span>
            </dt>
            <dd className="mt-0.5 text-slate-700">
              <Text>{e.meaning}</Text>
            </dd>
            <dd className="mt-0.5 text-slate-700">
              <strong>What to do:</strong> <Text>{e.action}</Text>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
