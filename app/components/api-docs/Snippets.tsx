/** The same call in curl, TypeScript (the SDK, packages/client) and Python (requests), for one operation. */
import type { Listed } from "./model";

const BASE = "https://credits.example.com";

/** The path with each `{param}` filled by an example value (a user id "42", other ids "7"). */
function examplePath(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === "userId" ? "42" : "7"));
}

export function snippets(item: Listed, body: unknown): { label: string; code: string }[] {
  const method = item.method.toUpperCase();
  const path = examplePath(item.path);
  const idempotent = item.op.parameters?.some((p) => p.name === "Idempotency-Key") ?? false;
  const json = body === undefined ? undefined : JSON.stringify(body);
  const pretty = body === undefined ? undefined : JSON.stringify(body, null, 2);
  const params = [...(item.path.matchAll(/\{(\w+)\}/g) ?? [])].map((m) => m[1]);

  const curl = [
    `curl -X ${method} ${BASE}${path}`,
    `  -H "Authorization: Bearer $CREDITS_KEY"`,
    ...(idempotent ? [`  -H "Idempotency-Key: $(uuidgen)"`] : []),
    ...(json === undefined ? [] : [`  -H "Content-Type: application/json"`, `  -d '${json}'`]),
  ].join(" \\\n");

  const tsParams = [
    params.length ? `path: { ${params.map((p) => `${p}: "${p === "userId" ? "42" : "7"}"`).join(", ")} }` : "",
    idempotent ? `header: { "Idempotency-Key": idempotencyKey() }` : "",
  ].filter(Boolean);
  const tsOptions = [
    tsParams.length ? `params: { ${tsParams.join(", ")} }` : "",
    pretty === undefined ? "" : `body: ${pretty.replace(/\n/g, "\n  ")}`,
  ].filter(Boolean);
  const typescript = [
    `import { createCreditsClient, idempotencyKey } from "@credit-billing/client";`,
    ``,
    `const credits = createCreditsClient({ baseUrl: "${BASE}", apiKey: process.env.CREDITS_KEY! });`,
    `const { data, error } = await credits.${method}("${item.path}"${tsOptions.length ? `, {\n  ${tsOptions.join(",\n  ")},\n}` : ""});`,
  ].join("\n");

  const pyHeaders = [`"Authorization": f"Bearer {os.environ['CREDITS_KEY']}"`];
  if (idempotent) pyHeaders.push(`"Idempotency-Key": str(uuid.uuid4())`);
  const python = [
    `import os${idempotent ? ", uuid" : ""}`,
    `import requests`,
    ``,
    `res = requests.${item.method}(`,
    `    "${BASE}${path}",`,
    `    headers={${pyHeaders.join(", ")}},`,
    ...(json === undefined
      ? []
      : [
          `    json=${json
            .replace(/\btrue\b/g, "True")
            .replace(/\bfalse\b/g, "False")
            .replace(/\bnull\b/g, "None")},`,
        ]),
    `    timeout=10,`,
    `)`,
    `print(res.status_code, res.json())`,
  ].join("\n");

  return [
    { label: "curl", code: curl },
    { label: "TypeScript (SDK)", code: typescript },
    { label: "Python", code: python },
  ];
}

export function Snippets({ item, body }: { item: Listed; body: unknown }) {
  return (
    <>
      <h4 className="mt-4 font-semibold text-slate-900">Call it</h4>
      {snippets(item, body).map((s) => (
        <figure key={s.label} className="mt-2">
          <figcaption className="text-xs font-medium uppercase tracking-wide text-slate-600">{s.label}</figcaption>
          <pre className="mt-1 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100">
            <code>{s.code}</code>
          </pre>
        </figure>
      ))}
    </>
  );
}
