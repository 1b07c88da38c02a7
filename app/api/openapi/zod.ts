/**
 * zod with `.openapi()` (zod-to-openapi). Every module of the OpenAPI registry imports `z` from
 * here, so the extension is in place before any of its schemas is built. The server's own input
 * schemas are not rebuilt: they are registered as they are (the same objects), see ./registry.ts.
 */
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

extendZodWithOpenApi(z);

export { z };

type Metadata = NonNullable<NonNullable<z.ZodTypeDef["openapi"]>["metadata"]>;

/**
 * Adds documentation to one of the server's shared schema pieces IN PLACE (its `_def.openapi`,
 * which only the generator reads), where zod alone says too little: a refined string that is a
 * date-time, a custom check that accepts any JSON object. `.openapi()` would return a copy, and the
 * document must describe the very objects the server validates with.
 */
export function documentInPlace<T extends z.ZodTypeAny>(schema: T, metadata: Metadata): T {
  // The generator reads a wrapped schema's metadata from the innermost one (below refinements and
  // transforms), so it goes on every level.
  for (let s: z.ZodTypeAny | undefined = schema; s; s = s instanceof z.ZodEffects ? s._def.schema : undefined) {
    const def = s._def as z.ZodTypeDef;
    def.openapi = { ...def.openapi, metadata: { ...def.openapi?.metadata, ...metadata } };
  }
  return schema;
}
