import { AppError } from "../utils/errors";

/** The outbox id a decoded page cursor carries; anything else → 400 (field cursor). */
export function cursorId(values: unknown[]): number {
  const [id] = values;
  if (values.length !== 1 || typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) {
    throw new AppError("invalid_request", "`cursor` is not valid.", { field: "cursor" });
  }
  return id;
}
