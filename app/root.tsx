import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Link,
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
import { useDemoWithoutLoader } from "./components/DemoBanner";
import { buttonStyles } from "./components/forms";
import { pageTitle } from "./components/format";
import { useNonce } from "./components/nonce";
import stylesheet from "./tailwind.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: stylesheet }];

/** The current user for the navigation (null when logged out). Pages still check access themselves. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request, context);
  return {
    user: user ? { email: user.email, name: user.name, role: user.role } : null,
    // Payments go to the offline Stripe (DEMO=1, development, tests): every page says so.
    demo: context.env.stripeOffline,
  };
}

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
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
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  const { user, demo } = useLoaderData<typeof loader>();
  return (
    <AppShell user={user} demo={demo}>
      <Outlet />
    </AppShell>
  );
}

/** What a person is told for each kind of failure; never a stack trace or a router message. */
const ERROR_TEXT: Record<number, { title: string; text: string }> = {
  401: { title: "Please log in", text: "You need to log in to see this page." },
  403: { title: "Not allowed", text: "Your account does not have access to this page." },
  404: { title: "Page not found", text: "There is nothing at this address. The link may be old or mistyped." },
  429: { title: "Too many requests", text: "Please wait a moment and try again." },
  // A full or failing disk (app/server/storage.ts) or Stripe unreachable: nothing was changed.
  503: {
    title: "Temporarily unavailable",
    text: "We cannot save changes right now. Nothing was changed; please try again in a minute.",
  },
};

const UNKNOWN_ERROR = {
  title: "Something went wrong",
  text: "The page could not be shown. Please try again in a moment; if it keeps happening, contact support.",
};

/** An error page is titled as it is headed ("404 Page not found — Credits"); pages give their own titles. */
export const meta: MetaFunction = ({ error }) => {
  if (!error) return [];
  const status = isRouteErrorResponse(error) ? error.status : 500;
  return [{ title: pageTitle(`${status} ${(ERROR_TEXT[status] ?? UNKNOWN_ERROR).title}`) }];
};

export function ErrorBoundary() {
  const error = useRouteError();
  // Present when the error came from a page below the root (e.g. a 403 from an admin loader).
  const rootData = useRouteLoaderData<typeof loader>("root");
  const demoWithoutLoader = useDemoWithoutLoader();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const known = ERROR_TEXT[status] ?? UNKNOWN_ERROR;
  // Pages throw short plain-text reasons meant for people ("There is no such plan."); the
  // router's own 404 text names internals, so it is not shown.
  const detail =
    isRouteErrorResponse(error) && typeof error.data === "string" && !/^Error: No route matches/.test(error.data)
      ? error.data
      : null;
  return (
    <AppShell user={rootData?.user ?? null} demo={rootData?.demo ?? demoWithoutLoader}>
      <div className="mx-auto max-w-xl rounded-lg border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
        <p className="text-sm font-semibold text-indigo-700">Error {status}</p>
        <h1 className="mt-1 text-2xl font-bold tracking-tight text-slate-900">
          {status} {known.title}
        </h1>
        <p className="mt-3 text-slate-700">{detail ?? known.text}</p>
        <div className="mt-6 flex flex-wrap gap-3">
          {rootData?.user ? (
            <Link to="/credits" className={buttonStyles.primary}>
              Go to your credits
            </Link>
          ) : (
            <Link to="/" className={buttonStyles.primary}>
              Go to the start page
            </Link>
          )}
        </div>
      </div>
    </AppShell>
  );
}
