import { createContext, useContext } from "react";

/** What every page says while payments go to the offline Stripe (DEMO=1, development, tests). */
export const DEMO_BANNER_TEXT = "Demo — no real payments";

/** The offline Stripe's trigger page, mounted on the app's origin (app/server/offline-stripe.ts). */
export const OFFLINE_TRIGGERS_PATH = "/_offline-stripe/triggers";

export function DemoBanner() {
  return (
    // A landmark of its own, so no content sits outside one (axe's `region`).
    <aside aria-label="Demo mode" data-demo-banner="">
      <p className="bg-amber-100 px-4 py-2 text-center text-sm font-medium text-amber-900">
        {DEMO_BANNER_TEXT}: payments go to a built-in test Stripe and no money moves.{" "}
        <a href={OFFLINE_TRIGGERS_PATH} className="underline underline-offset-2 hover:text-amber-950">
          Renew, decline or refund in the test Stripe
        </a>
      </p>
    </aside>
  );
}

/** Whether the server runs on the offline Stripe; given by app/entry.server.tsx while rendering. */
export const DemoContext = createContext(false);

/**
 * For a page rendered without the root loader's data (a 404 where no route matched: no loader
 * runs). The server knows from its context; the browser, hydrating that page, from the banner the
 * server sent — so both render the same.
 */
export function useDemoWithoutLoader(): boolean {
  const onServer = useContext(DemoContext);
  if (typeof document === "undefined") return onServer;
  return document.querySelector("[data-demo-banner]") !== null;
}
