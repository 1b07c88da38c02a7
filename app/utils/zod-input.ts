/**
 * zod → AppError: the first problem of a failed parse becomes a 400 `invalid_request` naming the
 * field. Client-safe (no server imports), so a schema module the pages also load (the price book's
 * app/plans/validation.ts) can use it; the JSON APIs reach it through ./schemas.server.ts.
 */
import type { z } from "zod";
import { AppError } from "./errors";

function describeIssue(issue: z.ZodIssue): string {
  const field = issue.path.join(".");
  const name = field ? `\`${field}\`` : "The body";
  if (issue.code === "invalid_type") {
    if (issue.received === "undefined") return `${name} is required.`;
    if (issue.expected === "integer") return `${name} must be an integer.`;
    return `${name} must be ${issue.expected === "object" ? "an object" : `a ${issue.expected}`} (got ${issue.received}).`;
  }
  if (issue.code === "invalid_enum_value") {
    return `${name} must be one of: ${issue.options.map(String).join(", ")}.`;
  }
  return `${name} ${issue.message}`;
}

/** Validates with a zod schema; the first problem becomes a 400 `invalid_request` naming the field. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new AppError("invalid_request", describeIssue(issue), {
    field: issue.path.length ? issue.path.join(".") : undefined,
  });
}
