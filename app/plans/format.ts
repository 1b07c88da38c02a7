import type { PlanKind } from "./validation";

/*
 * Presentation helpers pages render in the browser too, so they live outside the `.server`
 * modules (Remix refuses a component that reaches into a `.server` file).
 */

/** "$10.00" / "€5.50" for pages; amounts stay integer cents everywhere else. */
export function formatPrice(priceCents: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(
      priceCents / 100,
    );
  } catch {
    return `${(priceCents / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}

export function kindLabel(kind: PlanKind): string {
  return kind === "subscription" ? "subscription plan" : "top-up plan";
}
