/**
 * The parts of an OpenAPI 3.1 document the /docs/api page reads, and the plain helpers it lists and
 * exemplifies operations with (no React).
 */
export interface Schema {
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
export interface Parameter {
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
export interface Doc {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
  webhooks?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

export interface Listed {
  id: string;
  method: string;
  path: string;
  op: Operation;
}

export function operationsByTag(paths: Doc["paths"]): [string, Listed[]][] {
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

export const refName = (ref: string) => ref.replace("#/components/schemas/", "");
export const schemaAnchor = (name: string) => `schema-${name}`;

export type Named = Record<string, Schema>;

/** An example for a schema: its own, its named schema's, or one built from its fields. */
export function exampleOf(schema: Schema, schemas: Named, depth = 0): unknown {
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
