/**
 * Opaque page cursors for the v1 list endpoints: base64url of `[kind, ...values]` as JSON, where
 * `kind` names the list (and the order) the cursor belongs to, so a cursor of one list (or one
 * `status`) is refused by another instead of silently skipping rows. Clients only pass them back.
 */
import { AppError } from "../../utils/errors";

const MAX_CURSOR_LENGTH = 200;

export function encodeCursor(kind: string, values: (string | number)[]): string {
  return Buffer.from(JSON.stringify([kind, ...values])).toString("base64url");
}

/** The values a cursor of `kind` carries; anything else → 400 `invalid_request` (field cursor). */
export function decodeCursor(cursor: string, kind: string): unknown[] {
  const invalid = () => new AppError("invalid_request", "`cursor` is not valid.", { field: "cursor" });
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString());
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed[0] !== kind) throw invalid();
  return parsed.slice(1);
}
