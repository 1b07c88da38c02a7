/** The /docs/api page's pieces for descriptions, schemas, parameters and examples. */
import type { ReactNode } from "react";
import { Fragment } from "react";
import { linkClass } from "~/components/ui";
import { refName, schemaAnchor, type Parameter, type Schema } from "./model";
import { formatCredits } from "../../utils/format";

/** `code` spans in descriptions (the document's descriptions use Markdown backticks). */
export function Text({ children }: { children?: string }) {
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

export function Paragraphs({ text }: { text?: string }) {
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
export function TypeLabel({ schema }: { schema: Schema }): ReactNode {
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
    out.push(`${formatCredits(schema.minimum)} to ${formatCredits(schema.maximum)}`);
  } else if (schema.minimum !== undefined) out.push(`at least ${formatCredits(schema.minimum)}`);
  else if (schema.maximum !== undefined) out.push(`at most ${formatCredits(schema.maximum)}`);
  if (schema.minLength !== undefined && schema.minLength > 0) out.push(`at least ${schema.minLength} characters`);
  if (schema.maxLength !== undefined) out.push(`at most ${formatCredits(schema.maxLength)} characters`);
  if (schema.minItems !== undefined) out.push(`at least ${schema.minItems} items`);
  if (schema.maxItems !== undefined) out.push(`at most ${formatCredits(schema.maxItems)} items`);
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

export function Fields({ schema, caption, depth = 0 }: { schema: Schema; caption: string; depth?: number }) {
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
export function SchemaBlock({ schema, caption, expand }: { schema: Schema; caption: string; expand?: Schema }) {
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

export function Example({ value, label = "Example" }: { value: unknown; label?: string }) {
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

export function Parameters({ params, caption }: { params: Parameter[]; caption: string }) {
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

export function MethodPath({ method, path }: { method: string; path: string }) {
  return (
    <code className="text-sm">
      <span className={`mr-2 rounded px-1.5 py-0.5 font-bold uppercase ${METHOD_STYLE[method] ?? ""}`}>{method}</span>
      <span className="break-all text-slate-900">{path}</span>
    </code>
  );
}
