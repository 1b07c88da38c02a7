import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import {
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  isRouteErrorResponse,
  useLoaderData,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { getOptionalUser } from "./auth/session.server";
import { AppShell } from "./components/AppShell";
import stylesheet from "./tailwind.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: stylesheet }];

/** The current user for the navigation (null when logged out). Pages still check access themselves. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request, context);
  return { user: user ? { email: user.email, name: user.name, role: user.role } : null };
}

export function Layout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" className="h-full bg-slate-50">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="h-full text-slate-900 antialiased">
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  const { user } = useLoaderData<typeof loader>();
  return (
    <AppShell user={user}>
      <Outlet />
    </AppShell>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  // Present when the error came from a page below the root (e.g. a 403 from an admin loader).
  const rootData = useRouteLoaderData<typeof loader>("root");
  const title = isRouteErrorResponse(error) ? `${error.status} ${error.statusText || "Error"}` : "Something went wrong";
  const detail = isRouteErrorResponse(error) && typeof error.data === "string" ? error.data : null;
  return (
    <AppShell user={rootData?.user ?? null}>
      <div className="mx-auto max-w-xl">
        <h1 className="text-2xl font-semibold">{title}</h1>
        {detail ? <p className="mt-2 text-slate-600">{detail}</p> : null}
        <p className="mt-4">
          <a className="text-indigo-600 underline" href="/">
            Back to the start page
          </a>
        </p>
      </div>
    </AppShell>
  );
}
