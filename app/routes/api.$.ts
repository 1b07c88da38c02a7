// Every /api path no other route serves: the API's JSON 404, never the HTML page.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { errorResponse } from "~/utils/http.server";
import { AppError } from "~/utils/errors";

function notFound({ request }: LoaderFunctionArgs | ActionFunctionArgs): Response {
  const { pathname } = new URL(request.url);
  return errorResponse(new AppError("not_found", `There is no endpoint ${request.method} ${pathname}.`));
}

export const loader = notFound;
export const action = notFound;
