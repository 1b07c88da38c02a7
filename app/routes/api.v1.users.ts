import { z } from "zod";
import { requireApiKey } from "../auth/api-keys.server";
import { createUser } from "../auth/users.server";
import { apiResource, parseJsonBody, respondIdempotently } from "../utils/api.server";

// POST /api/v1/users — creates a user who has credits but no password (cannot log in).
const createUserBody = z.object({
  email: z.string().max(254, "must be at most 254 characters."),
  name: z.string().max(200, "must be at most 200 characters.").nullish(),
});

const route = apiResource({
  POST: async ({ request, context }) => {
    requireApiKey(request, context, "admin");
    const { input, raw } = await parseJsonBody(request, createUserBody);
    return respondIdempotently(context, request, { scope: "users", body: raw }, () => {
      const user = createUser(context, { email: input.email, name: input.name ?? "" });
      // A user who was just created has no grants, so nothing to spend yet.
      return { status: 201, body: { id: user.id, email: user.email, name: user.name, balance: 0 } };
    });
  },
});
export const loader = route.loader;
export const action = route.action;
