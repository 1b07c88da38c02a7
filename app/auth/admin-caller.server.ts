import type { AppContext } from "../utils/context.server";
import { AppError } from "../utils/errors";
import { apiKeyActor, requireApiKey } from "./api-keys.server";
import { userActor } from "./audit.server";
import { getOptionalUser } from "./session.server";

/** Who is calling an admin JSON endpoint, and the actor string the audit log records for them. */
export type AdminCaller =
  { via: "session"; userId: number; actor: string } | { via: "api_key"; apiKeyId: number; actor: string };

/**
 * An admin JSON endpoint's caller: an admin API key (`Authorization: Bearer <key>`) or a
 * browser session of a user with the admin role. Throws AppError (map it with errorResponse /
 * apiResource): no credentials → 401 `unauthenticated`; a usage key or a non-admin session →
 * 403 `forbidden`. An Authorization header always decides on its own — a bad key is 401 even
 * with a valid session cookie, so an API client never silently acts as whoever is logged in.
 * Unlike requireAdmin (pages), it never redirects: API clients get JSON errors.
 */
export async function requireAdminCaller(request: Request, context: AppContext): Promise<AdminCaller> {
  if (request.headers.has("authorization")) {
    const key = requireApiKey(request, context, "admin");
    return { via: "api_key", apiKeyId: key.id, actor: apiKeyActor(key) };
  }
  const user = await getOptionalUser(request, context);
  if (!user) {
    throw new AppError(
      "unauthenticated",
      "Log in as an administrator, or send an admin API key: Authorization: Bearer <key>.",
    );
  }
  if (user.role !== "admin") throw new AppError("forbidden", "This endpoint is for administrators.");
  return { via: "session", userId: user.id, actor: userActor(user.id) };
}
