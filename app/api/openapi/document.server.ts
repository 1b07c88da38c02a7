/**
 * The OpenAPI 3.1 document of the JSON APIs, generated (once per process) from the registry in
 * this folder, and the answer for `GET /api/v1/openapi.json` (no key; the v1 router asks here).
 */
import { OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { jsonTextAnswer, methodNotAllowedAnswer, type ApiAnswer } from "../../utils/http.server";
import { registerAdmin } from "./admin";
import { ApiRegistry, TAGS } from "./registry";
import { registerV1 } from "./v1";
import { registerWebhooks } from "./webhooks";

export type OpenAPIObject = ReturnType<OpenApiGeneratorV31["generateDocument"]>;

/** The API's version (docs/api-changelog.md): v1 only adds, so this moves in minor and patch steps. */
const API_VERSION = "1.3.0";

/** Every operation and webhook, registered in the order the document and /docs/api list them. */
export function buildRegistry(): ApiRegistry {
  const api = new ApiRegistry();
  registerV1(api);
  registerAdmin(api);
  registerWebhooks(api);
  return api;
}

export function generateOpenApiDocument(api = buildRegistry()): OpenAPIObject {
  return new OpenApiGeneratorV31(api.registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Credits API",
      version: API_VERSION,
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
      contact: { name: "The API's changelog, error catalogue and guide", url: "https://credits.example/docs/api" },
      description:
        "Usage billing on credits: users, balances, grants, deductions, holds, batches, adjustments and the ledger (/api/v1), the price book and Stripe events (/api/admin), and outbound webhooks. Guide: docs/api.md; readable version: /docs/api.",
    },
    servers: [{ url: "/", description: "This server" }],
    tags: TAGS.map((t) => ({ ...t })),
  });
}

let cached: { doc: OpenAPIObject; text: string } | undefined;

/** The document, built on first use (it does not change while the process runs). */
export function openApiDocument(): OpenAPIObject {
  cached ??= (() => {
    const doc = generateOpenApiDocument();
    return { doc, text: JSON.stringify(doc) };
  })();
  return cached.doc;
}

/** Whether a path under /api/v1 names the document (any case, one trailing slash, like the router). */
export function isOpenApiPath(pathname: string): boolean {
  return /^\/api\/v1\/openapi\.json\/?$/i.test(pathname);
}

/** GET (or HEAD) → the document; any other method → 405. No key is needed. */
export function openApiAnswer(method: string): ApiAnswer {
  if (method !== "GET" && method !== "HEAD") return methodNotAllowedAnswer(["GET"]);
  openApiDocument();
  return jsonTextAnswer(cached!.text, 200, { "Cache-Control": "public, max-age=300" });
}
