import type { PlanKind } from "./validation";

/*
 * Presentation helpers pages render in the browser too, so they live outside the `.server`
 * modules (Remix refuses a component that reaches into a `.server` file).
 */

export function kindLabel(kind: PlanKind): string {
  return kind === "subscription" ? "subscription plan" : "top-up plan";
}
