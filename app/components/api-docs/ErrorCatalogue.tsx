/** The error catalogue on /docs/api: code → HTTP status → meaning → what to do. */
import { DocTable, Text } from "./SchemaViews";

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
      <DocTable caption="Error codes" columns={["Code", "Status", "Meaning", "What to do"]}>
        {entries.map((e) => (
          <tr key={e.code} className="align-top">
            <td className="py-1 pr-3">
              <code>{e.code}</code>
            </td>
            <td className="py-1 pr-3">{e.status}</td>
            <td className="py-1 pr-3">
              <Text>{e.meaning}</Text>
            </td>
            <td className="py-1">
              <Text>{e.action}</Text>
            </td>
          </tr>
        ))}
      </DocTable>
    </section>
  );
}
