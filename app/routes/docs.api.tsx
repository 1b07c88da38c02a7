import type { MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Fragment, type ReactNode } from "react";
import { openApiDocument } from "~/api/openapi/document.server";
import { PageHeader } from "~/components/AppShell";
import { linkClass } from "~/components/ui";

/*
 * /docs/api — the OpenAPI document (app/api/openapi, the same one GET /api/v1/openapi.json
 * serves) as a page: every operation with its parameters, body, answers, errors and examples,
 * the webhooks and the schemas. Server-rendered from the document alone, so a route added to the
 * registry appears here too; plain links and <details>, so it works without JavaScript.
 */

export const meta: MetaFunction = () => [
  { title: "API reference — Credits" },
  { name: "description", content: "Every endpoint of the Credits API and its webhooks, with schemas and examples." },
];

/** Where the JSON is served (app/api/openapi/document.server.ts, OPENAPI_PATH; a server module). */
const OPENAPI_PATH = "/api/v1/openapi.json";

export function loader() {
  return openApiDocument();
}

// The parts of an OpenAPI 3.1 document this page reads.
interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  description?: string;
  example?: unknown;
  additionalProperties?: boolean | Schema;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface Media {
  schema?: Schema;
  example?: unknown;
}
interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content?: Record<string, Media> };
  responses?: Record<string, { description: string; content?: Record<string, Media> }>;
}
interface Doc {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
  webhooks?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

interface Listed {
  id: string;
  method: string;
  path: string;
  op: Operation;
}

function operationsByTag(paths: Doc["paths"]): [string, Listed[]][] {
  const byTag = new Map<string, Listed[]>();
  for (const [path, item] of Object.entries(paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "Other";
      const id = `op-${op.operationId ?? `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, "-")}`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), { id, method, path, op }]);
    }
  }
  return [...byTag];
}

const refName = (ref: string) => ref.replace("#/components/schemas/", "");
const schemaAnchor = (name: string) => `schema-${name}`;

/** `code` spans in descriptions (the document's descriptions use Markdown backticks). */
function Text({ children }: { children?: string }) {
  if (!children) return null;
  return (
    <>
      {children.split(/(`[^`]+`)/).map((part, i) =>
        part.startsWith("`") && part.endsWith("`") && part.length > 1 ? (
          <code key={i} className="rounded bg-slate-100 px-1 py-0.5 text-[0.85em]">
            {part.slice(1, -1)}
          </code>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </>
  );
}

function Paragraphs({ text }: { text?: string }) {
  if (!text) return null;
  return (
    <>
      {text.split(/\n\n+/).map((p, i) => (
        <p key={i} className="mt-2 text-slate-700">
          <Text>{p}</Text>
        </p>
      ))}
    </>
  );
}

/** A schema's type in words, with links to named schemas. */
function TypeLabel({ schema }: { schema: Schema }): ReactNode {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return (
      <a href={`#${schemaAnchor(name)}`} className={linkClass}>
        {name}
      </a>
    );
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    return alternatives.map((s, i) => (
      <Fragment key={i}>
        {i > 0 ? " or " : null}
        <TypeLabel schema={s} />
      </Fragment>
    ));
  }
  if (schema.const !== undefined) return <code>{JSON.stringify(schema.const)}</code>;
  const types = [schema.type ?? []].flat();
  const nullable = types.includes("null");
  const main = types.filter((t) => t !== "null");
  let label: ReactNode = main.length ? main.join(" or ") : schema.properties ? "object" : "any";
  if (main.includes("array") && schema.items) {
    label = (
      <>
        array of <TypeLabel schema={schema.items} />
      </>
    );
  }
  return (
    <>
      {label}
      {schema.format ? ` (${schema.format})` : null}
      {nullable ? " or null" : null}
    </>
  );
}

/** Limits and allowed values, in words. */
function constraints(schema: Schema): string[] {
  const out: string[] = [];
  if (schema.enum) out.push(`one of: ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  if (schema.minimum !== undefined && schema.maximum !== undefined) {
    out.push(`${schema.minimum.toLocaleString("en-US")} to ${schema.maximum.toLocaleString("en-US")}`);
  } else if (schema.minimum !== undefined) out.push(`at least ${schema.minimum.toLocaleString("en-US")}`);
  else if (schema.maximum !== undefined) out.push(`at most ${schema.maximum.toLocaleString("en-US")}`);
  if (schema.minLength !== undefined && schema.minLength > 0) out.push(`at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined) out.push(`at most ${schema.maxLength.toLocaleString("en-US")} characters`);
  if (schema.minItems !== undefined) out.push(`at least ${schema.minItems} items`);
  if (schema.maxItems !== undefined) out.push(`at most ${schema.maxItems.toLocaleString("en-US")} items`);
  if (schema.pattern) out.push(`matches ${schema.pattern}`);
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  return out;
}

/** The object a schema describes inline (not a named one), if any: its properties as a table. */
function inlineObject(schema: Schema): Schema | null {
  if (schema.$ref) return null;
  if (schema.properties) return schema;
  const types = [schema.type ?? []].flat();
  if (types.includes("array") && schema.items && !schema.items.$ref && schema.items.properties) return schema.items;
  return null;
}

/** A reference table: the name of each row is its header cell (required or optional under it). */
function DocTable({ caption, columns, children }: { caption: string; columns: string[]; children: ReactNode }) {
  return (
    <div className="overflow-x-auto">
      <table className="mt-1 w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="border-b border-slate-200">
          <tr>
            {columns.map((column, i) => (
              <th
                key={column}
                scope="col"
                className={`py-1.5 font-semibold text-slate-700 ${i < columns.length - 1 ? "pr-3" : ""}`}
              >
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}

function NameCell({ name, required }: { name: string; required: boolean }) {
  return (
    <th scope="row" className="py-1.5 pr-3 font-normal">
      <code className="font-semibold text-slate-900">{name}</code>
      <span className="block text-xs text-slate-600">{required ? "required" : "optional"}</span>
    </th>
  );
}

function DescriptionCell({ text, schema, children }: { text?: string; schema?: Schema; children?: ReactNode }) {
  const limits = schema ? constraints(schema) : [];
  return (
    <td className="py-1.5 text-slate-700">
      <Text>{text}</Text>
      {limits.length ? <span className="block text-xs text-slate-600">{limits.join("; ")}</span> : null}
      {children}
    </td>
  );
}

function Fields({ schema, caption, depth = 0 }: { schema: Schema; caption: string; depth?: number }) {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return <p className="text-sm text-slate-600">No fields.</p>;
  const required = new Set(schema.required ?? []);
  return (
    <DocTable caption={caption} columns={["Field", "Type", "Description"]}>
      {properties.map(([name, prop]) => {
        const nested = depth < 3 ? inlineObject(prop) : null;
        return (
          <tr key={name} className="align-top">
            <NameCell name={name} required={required.has(name)} />
            <td className="py-1.5 pr-3 text-slate-800">
              <TypeLabel schema={prop} />
            </td>
            <DescriptionCell text={prop.description} schema={prop}>
              {nested ? <Fields schema={nested} caption={`Fields of ${name}`} depth={depth + 1} /> : null}
            </DescriptionCell>
          </tr>
        );
      })}
    </DocTable>
  );
}

/** A body or answer schema: a named schema's link, or an inline object's fields. */
function SchemaBlock({ schema, caption, expand }: { schema: Schema; caption: string; expand?: Schema }) {
  // `expand`: the named schema behind a $ref, shown in place (a webhook's body).
  const inline = inlineObject(expand ?? schema);
  return (
    <>
      <p className="text-sm text-slate-700">
        JSON: <TypeLabel schema={schema} />
      </p>
      {inline ? <Fields schema={inline} caption={caption} /> : null}
    </>
  );
}

function Example({ value, label = "Example" }: { value: unknown; label?: string }) {
  if (value === undefined) return null;
  return (
    <details className="mt-2">
      <summary className="cursor-pointer text-sm font-medium text-indigo-700">{label}</summary>
      <pre className="mt-1 overflow-x-auto rounded-md bg-slate-900 p-3 text-xs leading-relaxed text-slate-100">
        {JSON.stringify(value, null, 2)}
      </pre>
    </details>
  );
}

function Parameters({ params, caption }: { params: Parameter[]; caption: string }) {
  return (
    <DocTable caption={caption} columns={["Name", "In", "Type", "Description"]}>
      {params.map((p) => (
        <tr key={`${p.in}-${p.name}`} className="align-top">
          <NameCell name={p.name} required={Boolean(p.required)} />
          <td className="py-1.5 pr-3 text-slate-700">{p.in}</td>
          <td className="py-1.5 pr-3 text-slate-800">{p.schema ? <TypeLabel schema={p.schema} /> : null}</td>
          <DescriptionCell text={p.description ?? p.schema?.description} schema={p.schema} />
        </tr>
      ))}
    </DocTable>
  );
}

const METHOD_STYLE: Record<string, string> = {
  get: "bg-sky-100 text-sky-900",
  post: "bg-green-100 text-green-900",
  patch: "bg-amber-100 text-amber-900",
  put: "bg-amber-100 text-amber-900",
  delete: "bg-red-100 text-red-900",
};

function MethodPath({ method, path }: { method: string; path: string }) {
  return (
    <code className="text-sm">
      <span className={`mr-2 rounded px-1.5 py-0.5 font-bold uppercase ${METHOD_STYLE[method] ?? ""}`}>{method}</span>
      <span className="break-all text-slate-900">{path}</span>
    </code>
  );
}

function OperationView({ item, schemas, webhook = false }: { item: Listed; schemas: Named; webhook?: boolean }) {
  const { op, method, path, id } = item;
  const body = op.requestBody?.content?.["application/json"];
  const responses = Object.entries(op.responses ?? {});
  const ok = responses.filter(([status]) => /^2/.test(status));
  const errors = responses.filter(([status]) => !/^2/.test(status));
  const title = op.summary ?? `${method.toUpperCase()} ${path}`;
  return (
    <section id={id} aria-labelledby={`${id}-title`} className="scroll-mt-4 border-t border-slate-200 pt-5">
      <h3 id={`${id}-title`} className="text-lg font-semibold text-slate-900">
        {title}
      </h3>
      <p className="mt-1">
        {webhook ? (
          <code className="text-sm font-semibold text-slate-900">
            POST your endpoint — <span className="text-indigo-800">{path}</span>
          </code>
        ) : (
          <MethodPath method={method} path={path} />
        )}
      </p>
      <Paragraphs text={op.description} />
      {/* The tables stay closed until asked for: a list to scan first (and a page light enough to render fast). */}
      <details className="mt-3 rounded-md border border-slate-200 bg-white px-4 py-2">
        <summary className="cursor-pointer text-sm font-medium text-indigo-700">
          {webhook ? "Headers, body and your answer" : "Parameters, body, answers and errors"}
          <span className="sr-only"> of {title}</span>
        </summary>
        {op.parameters?.length ? (
          <>
            <h4 className="mt-4 font-semibold text-slate-900">{webhook ? "Headers" : "Parameters"}</h4>
            <Parameters params={op.parameters} caption={`Parameters of ${title}`} />
          </>
        ) : null}
        {body?.schema ? (
          <>
            <h4 className="mt-4 font-semibold text-slate-900">
              {webhook ? "Body" : "Request body"}
              {op.requestBody?.required ? null : <span className="font-normal text-slate-600"> (optional)</span>}
            </h4>
            <SchemaBlock
              schema={body.schema}
              caption={`Request body of ${title}`}
              expand={webhook && body.schema.$ref ? schemas[refName(body.schema.$ref)] : undefined}
            />
            <Example value={body.example ?? exampleOf(body.schema, schemas)} label="Example body" />
          </>
        ) : null}
        <h4 className="mt-4 font-semibold text-slate-900">{webhook ? "Your answer" : "Answer"}</h4>
        {ok.map(([status, r]) => {
          const media = r.content?.["application/json"];
          return (
            <div key={status} className="mt-1">
              <p className="text-sm text-slate-800">
                <strong>{status}</strong> — <Text>{r.description}</Text>
              </p>
              {media?.schema ? <SchemaBlock schema={media.schema} caption={`Answer ${status} of ${title}`} /> : null}
              {media?.schema ? (
                <Example value={media.example ?? exampleOf(media.schema, schemas)} label={`Example answer ${status}`} />
              ) : null}
            </div>
          );
        })}
        {errors.length ? (
          <>
            <h4 className="mt-4 font-semibold text-slate-900">Errors</h4>
            <ul className="mt-1 space-y-0.5 text-sm text-slate-700">
              {errors.map(([status, r]) => (
                <li key={status}>
                  <strong>{status}</strong> — <Text>{r.description}</Text>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </details>
    </section>
  );
}

type Named = Record<string, Schema>;

/** An example for a schema: its own, its named schema's, or one built from its fields. */
function exampleOf(schema: Schema, schemas: Named, depth = 0): unknown {
  if (schema.example !== undefined) return schema.example;
  if (schema.$ref) {
    const named = schemas[refName(schema.$ref)];
    return named && depth < 6 ? exampleOf(named, schemas, depth + 1) : undefined;
  }
  if (depth > 6) return undefined;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return exampleOf(alternatives[0], schemas, depth + 1);
  const types = [schema.type ?? []].flat();
  if (schema.properties) {
    return Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, exampleOf(v, schemas, depth + 1) ?? null]),
    );
  }
  if (types.includes("array")) return schema.items ? [exampleOf(schema.items, schemas, depth + 1)] : [];
  if (types.includes("integer") || types.includes("number")) return schema.minimum ?? 1;
  if (types.includes("boolean")) return true;
  if (types.includes("string")) return schema.format === "date-time" ? "2026-05-01T12:00:00.000Z" : "string";
  if (types.includes("object")) return {};
  return null;
}

export default function ApiDocs() {
  const doc = useLoaderData<typeof loader>() as unknown as Doc;
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
          Amounts are whole credits; times are ISO-8601.
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
