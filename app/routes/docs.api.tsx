import type { MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { openApiDocument } from "~/api/openapi/document.server";
import { PageHeader } from "~/components/AppShell";
import { linkClass } from "~/components/ui";
import { errorCatalogue } from "~/api/error-catalogue";
import { ErrorCatalogue } from "~/components/api-docs/ErrorCatalogue";
import { Example, Fields, Paragraphs, TypeLabel } from "~/components/api-docs/SchemaViews";
import { OperationView } from "~/components/api-docs/OperationView";
import {
  exampleOf,
  operationsByTag,
  schemaAnchor,
  type Doc,
  type Listed,
  type Named,
} from "~/components/api-docs/model";
import { pageTitle } from "~/components/format";

/*
 * /docs/api — the OpenAPI document (app/api/openapi, the same one GET /api/v1/openapi.json
 * serves) as a page: every operation with its parameters, body, answers, errors and examples,
 * the webhooks and the schemas. Server-rendered from the document alone, so a route added to the
 * registry appears here too; plain links and <details>, so it works without JavaScript.
 */

export const meta: MetaFunction = () => [
  { title: pageTitle("API reference") },
  { name: "description", content: "Every endpoint of the Credits API and its webhooks, with schemas and examples." },
];

/** Where the JSON is served (app/api/openapi/document.server.ts, OPENAPI_PATH; a server module). */
const OPENAPI_PATH = "/api/v1/openapi.json";

export function loader() {
  return { doc: openApiDocument(), errors: errorCatalogue() };
}

export default function ApiDocs() {
  const data = useLoaderData<typeof loader>();
  const doc = data.doc as unknown as Doc;
  const schemas: Named = doc.components?.schemas ?? {};
  const groups = operationsByTag(doc.paths);
  const webhooks: Listed[] = Object.entries(doc.webhooks ?? {}).flatMap(([name, item]) =>
    item.post ? [{ id: `webhook-${name.replace(/\./g, "-")}`, method: "post", path: name, op: item.post }] : [],
  );
  const named = Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="space-y-10">
      <PageHeader title="API reference">
        {doc.info.title} {doc.info.version}.{" "}
        <a href={OPENAPI_PATH} className={linkClass}>
          OpenAPI 3.1 document (JSON)
        </a>
      </PageHeader>
      <section aria-labelledby="start-heading" className="max-w-3xl space-y-2 text-slate-700">
        <h2 id="start-heading" className="text-xl font-semibold text-slate-900">
          Before you start
        </h2>
        <p>
          Send <code>Authorization: Bearer &lt;key&gt;</code> with every request. A <strong>usage</strong> key reads
          users, balances and ledgers, spends credits and holds them; an <strong>admin</strong> key does everything. An
          administrator creates keys with <code>npm run credits -- api-keys create --name … --scope usage</code>.
        </p>
        <p>
          Bodies are JSON (<code>Content-Type: application/json</code>, at most 1 MiB). Every error is{" "}
          <code>{`{"error": {"code", "message", "field"?}}`}</code> and a refused request writes nothing. Send an{" "}
          <code>Idempotency-Key</code> with every POST that changes credits, so a retry never counts twice. Wherever a
          path has <code>{"{userId}"}</code>, <code>ext:</code> followed by your URL-encoded external id works too.
          Amounts are whole credits; times are ISO-8601 date-times with <code>Z</code> or an offset.
        </p>
        <p>
          A key may have a <strong>rate limit</strong> in requests per second (a token bucket per key and server
          process, refilled continuously, holding one second&apos;s worth). Past it the answer is 429{" "}
          <code>rate_limited</code> with <code>Retry-After</code>, <code>RateLimit-Limit</code>,{" "}
          <code>RateLimit-Remaining</code> and <code>RateLimit-Reset</code>: wait that long, then retry with the same{" "}
          <code>Idempotency-Key</code>. Keys without a limit are never limited. Version policy, deprecations and what
          changed: <code>docs/api-changelog.md</code>; what each error means and what to do:{" "}
          <a href="#errors" className={linkClass}>
            Errors
          </a>
          .
        </p>
      </section>

      <nav aria-labelledby="contents-heading" className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="contents-heading" className="text-xl font-semibold text-slate-900">
          Contents
        </h2>
        <div className="mt-3 grid gap-x-8 gap-y-4 sm:grid-cols-2">
          {groups.map(([tag, ops]) => (
            <div key={tag}>
              <h3 className="text-sm font-semibold uppercase tracking-wide text-slate-600">{tag}</h3>
              <ul className="mt-1 space-y-1 text-sm">
                {ops.map((o) => (
                  <li key={o.id}>
                    <a href={`#${o.id}`} className={linkClass}>
                      {o.op.summary}
                    </a>{" "}
                    <span className="text-slate-600">
                      <span className="uppercase">{o.method}</span> <span className="break-all">{o.path}</span>
                    </span>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          <div>
            <h3 className="text-sm font-semibold uppercase tracking-wide text-slate-600">Webhooks</h3>
            <ul className="mt-1 space-y-1 text-sm">
              {webhooks.map((w) => (
                <li key={w.id}>
                  <a href={`#${w.id}`} className={linkClass}>
                    {w.path}
                  </a>
                </li>
              ))}
              <li>
                <a href="#schemas-heading" className={linkClass}>
                  Schemas
                </a>
              </li>
            </ul>
          </div>
        </div>
      </nav>

      {groups.map(([tag, ops]) => {
        const headingId = `tag-${tag.replace(/[^A-Za-z0-9]+/g, "-")}`;
        return (
          <section key={tag} aria-labelledby={headingId} className="space-y-6">
            <h2 id={headingId} className="text-2xl font-bold tracking-tight text-slate-900">
              {tag}
            </h2>
            {ops.map((o) => (
              <OperationView key={o.id} item={o} schemas={schemas} />
            ))}
          </section>
        );
      })}

      <ErrorCatalogue entries={data.errors} />

      <section aria-labelledby="webhooks-heading" className="space-y-6">
        <h2 id="webhooks-heading" className="text-2xl font-bold tracking-tight text-slate-900">
          Webhooks
        </h2>
        <p className="max-w-3xl text-slate-700">
          Register an endpoint with <code>POST /api/admin/webhook-endpoints</code>; each event is a signed POST to it
          (Standard Webhooks). Verify the signature with the <code>standardwebhooks</code> package and the
          endpoint&apos;s secret, answer 2xx quickly, and drop repeats by <code>webhook-id</code>.
        </p>
        {webhooks.map((w) => (
          <OperationView key={w.id} item={w} schemas={schemas} webhook />
        ))}
      </section>

      <section aria-labelledby="schemas-heading" className="space-y-6">
        <h2 id="schemas-heading" className="text-2xl font-bold tracking-tight text-slate-900">
          Schemas
        </h2>
        {named.map(([name, schema]) => (
          <section
            key={name}
            id={schemaAnchor(name)}
            aria-labelledby={`${schemaAnchor(name)}-title`}
            className="scroll-mt-4 border-t border-slate-200 pt-4"
          >
            <h3 id={`${schemaAnchor(name)}-title`} className="text-lg font-semibold text-slate-900">
              {name}
            </h3>
            <Paragraphs text={schema.description} />
            <details className="mt-2 rounded-md border border-slate-200 bg-white px-4 py-2">
              <summary className="cursor-pointer text-sm font-medium text-indigo-700">
                Fields and example<span className="sr-only"> of {name}</span>
              </summary>
              {schema.properties ? (
                <Fields schema={schema} caption={`Fields of ${name}`} />
              ) : (
                <p className="text-sm text-slate-700">
                  <TypeLabel schema={schema} />
                </p>
              )}
              <Example value={exampleOf(schema, schemas)} />
            </details>
          </section>
        ))}
      </section>
    </div>
  );
}
