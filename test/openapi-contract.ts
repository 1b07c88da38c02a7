/**
 * The API's contract, checked on every answer the shared test clients receive (the in-process
 * harness and the production server's JSON client): the status must be one the OpenAPI document
 * declares for the operation, and the body must validate, by ajv, against the document's own schema
 * for it with additional properties refused. A path or method the document does not have must still
 * answer the `Error` body. A mismatch throws, so any API test that meets one fails.
 */
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";

type Json = Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

const METHODS = ["get", "post", "patch", "put", "delete"];

/**
 * A copy of `schema` where every object that names its properties refuses any other: objects get
 * `additionalProperties: false` unless they say otherwise; the parts of an `allOf` are inlined and
 * their union gets `unevaluatedProperties: false` (each part alone would refuse the others' fields).
 */
function refuseAdditionalProperties(schema: unknown, doc: Doc, inAllOf = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => refuseAdditionalProperties(s, doc));
  if (typeof schema !== "object" || schema === null) return schema;
  const s = { ...(schema as Json) };
  if (Array.isArray(s.allOf)) {
    s.allOf = s.allOf.map((part: Json) => {
      const resolved = typeof part.$ref === "string" ? resolveRef(doc, part.$ref) : part;
      return refuseAdditionalProperties(resolved, doc, true);
    });
    if (s.unevaluatedProperties === undefined) s.unevaluatedProperties = false;
  }
  for (const key of ["anyOf", "oneOf", "prefixItems"]) {
    if (Array.isArray(s[key])) s[key] = (s[key] as unknown[]).map((x) => refuseAdditionalProperties(x, doc));
  }
  if (s.items) s.items = refuseAdditionalProperties(s.items, doc);
  if (s.properties) {
    const properties: Json = {};
    for (const [name, p] of Object.entries(s.properties as Json)) properties[name] = refuseAdditionalProperties(p, doc);
    s.properties = properties;
    if (!inAllOf && s.additionalProperties === undefined) s.additionalProperties = false;
  }
  if (typeof s.additionalProperties === "object")
    s.additionalProperties = refuseAdditionalProperties(s.additionalProperties, doc);
  return s;
}

function resolveRef(doc: Doc, ref: string): Json {
  const name = ref.replace("#/components/schemas/", "");
  const found = doc.components?.schemas?.[name];
  if (!found) throw new Error(`openapi-contract: unknown $ref ${ref}`);
  return found;
}

interface Route {
  method: string;
  pattern: RegExp;
  operationId: string;
  responses: Record<string, Json>;
}

export interface Contract {
  /** Throws when the answer is not one the document declares; returns what was checked. */
  check(answer: { method: string; url: string; status: number; contentType: string | null; text: string }): void;
}

const contracts = new Map<string, Contract>();

/** The checker for a document given as its served JSON text (one per distinct text, kept). */
export function contractForText(text: string): Contract {
  let c = contracts.get(text);
  if (!c) contracts.set(text, (c = contractOf(JSON.parse(text))));
  return c;
}

/** A checker for one document (the schemas are compiled on first use, then kept). */
function contractOf(doc: Doc): Contract {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  const schemas: Json = {};
  for (const [name, schema] of Object.entries((doc.components?.schemas ?? {}) as Json)) {
    schemas[name] = refuseAdditionalProperties(schema, doc);
  }
  ajv.addSchema({ $id: "doc", components: { schemas } });
  const compiled = new Map<unknown, ValidateFunction>();
  const validatorFor = (schema: unknown): ValidateFunction => {
    let v = compiled.get(schema);
    if (!v) {
      const strict = JSON.parse(
        JSON.stringify(refuseAdditionalProperties(schema, doc)).replaceAll('"#/components/', '"doc#/components/'),
      );
      v = ajv.compile(strict);
      compiled.set(schema, v);
    }
    return v;
  };
  const routes: Route[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    const source = path.replace(/[.]/g, "\\.").replace(/\{\w+\}/g, "[^/]+");
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      routes.push({
        method,
        pattern: new RegExp(`^${source}/?$`, "i"),
        operationId: String(op.operationId),
        responses: op.responses as Record<string, Json>,
      });
    }
  }
  const errorSchema = { $ref: "#/components/schemas/Error" };

  return {
    check({ method, url, status, contentType, text }) {
      const pathname = url.split("?")[0];
      const m = method.toLowerCase() === "head" ? "get" : method.toLowerCase();
      const route = routes.find((r) => r.method === m && r.pattern.test(pathname));
      const where = route ? `${route.operationId} (${method} ${pathname})` : `${method} ${pathname}`;
      let schema: unknown;
      if (route) {
        const response = route.responses[String(status)] ?? route.responses[`${String(status)[0]}XX`];
        // 405 and 404 can answer any path: the router's own, always the Error body.
        if (!response && status !== 405 && status !== 404) {
          throw new Error(
            `${where} answered ${status}, which the OpenAPI document does not declare: ${text.slice(0, 300)}`,
          );
        }
        schema = response ? (response.content as Json | undefined)?.["application/json"] : { schema: errorSchema };
        schema = (schema as Json | undefined)?.schema;
        if (response && !response.content) {
          if (text !== "") throw new Error(`${where} answered ${status} with a body the document does not declare`);
          return;
        }
      } else {
        if (status < 400) throw new Error(`${where} answered ${status}, but the document has no such operation`);
        schema = errorSchema;
      }
      if (method.toUpperCase() === "HEAD") return;
      if (!contentType || !/^application\/json\b/i.test(contentType)) {
        throw new Error(
          `${where} answered ${status} as ${contentType ?? "no Content-Type"}, not JSON: ${text.slice(0, 200)}`,
        );
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`${where} answered ${status} with invalid JSON: ${text.slice(0, 200)}`);
      }
      const validate = validatorFor(schema);
      if (!validate(body)) {
        const problems = (validate.errors ?? []).map(
          (e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`,
        );
        throw new Error(
          `${where} answered ${status} with a body the document does not describe:\n  ${problems.join("\n  ")}\n${text.slice(0, 500)}`,
        );
      }
    },
  };
}
