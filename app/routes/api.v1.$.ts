import { apiRoute } from "../utils/api.server";
import { AppError } from "../utils/errors";

// Anything else under /api/v1/ answers the API's JSON 404, not the HTML page.
const unknownEndpoint = apiRoute(({ request }: { request: Request }) => {
  throw new AppError("not_found", `There is no endpoint ${request.method} ${new URL(request.url).pathname}.`);
});
export const loader = unknownEndpoint;
export const action = unknownEndpoint;
