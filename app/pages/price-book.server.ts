/**
 * The price book's page actions (/admin/features, /admin/features/:key): create a feature, edit it,
 * and add a price version after a review step. Each takes the posted form and answers either a
 * Conform reply for the page to show (nothing written) or where to go with a toast.
 */
import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { addFeaturePrice, createFeature, getFeature, updateFeature, type FeatureView } from "../features/index.server";
import type { DbClock } from "../utils/context.server";
import { httpStatusFor, isAppError } from "../utils/errors";
import { replyWithError } from "../utils/forms.server";
import { createFeatureForm, featurePageForm } from "./price-book.schema";

/** What a page action answers: a reply to render (nothing written), or a redirect with a toast. */
export type PageActionResult<Review = never> =
  | { kind: "reply"; status: number; result: SubmissionResult<string[]>; review?: Review }
  | { kind: "done"; to: string; message: string };

/** The new price as the review step shows it before it is confirmed. */
export interface PriceReview {
  credits: number;
  perUnits: number;
  effectiveOn: string | null;
  current: { credits: number; perUnits: number };
}

const adminPath = (key: string) => `/admin/features/${encodeURIComponent(key)}`;

/** When a price dated `day` starts: now for today (or none), else the start of that UTC day. */
function effectiveAtOf(day: string | undefined, now: Date): Date | null {
  if (!day || day === now.toISOString().slice(0, 10)) return null;
  return new Date(`${day}T00:00:00Z`);
}

/** POST /admin/features: a new feature with its first price. */
export function createFeatureAction(ctx: DbClock, form: FormData, actor: string): PageActionResult {
  const submission = parseWithZod(form, { schema: createFeatureForm });
  if (submission.status !== "success") return { kind: "reply", status: 400, result: submission.reply() };
  const v = submission.value;
  try {
    const feature = createFeature(
      ctx,
      {
        key: v.key,
        name: v.name,
        unitName: v.unitName,
        description: v.description || null,
        price: { credits: v.credits, perUnits: v.perUnits },
      },
      actor,
    );
    return { kind: "done", to: adminPath(feature.key), message: `Feature “${feature.name}” created.` };
  } catch (e) {
    if (!isAppError(e)) throw e;
    const fields = ["key", "name", "unitName", "description"];
    return { kind: "reply", status: httpStatusFor(e.code), result: replyWithError(submission, e, { fields }) };
  }
}

/** POST /admin/features/:key: edit, review a new price, or add it (the second POST of the review). */
export function featurePageAction(
  ctx: DbClock,
  feature: FeatureView,
  form: FormData,
  actor: string,
): PageActionResult<PriceReview> {
  const submission = parseWithZod(form, { schema: featurePageForm });
  if (submission.status !== "success") return { kind: "reply", status: 400, result: submission.reply() };
  const v = submission.value;
  try {
    if (v.intent === "update") {
      updateFeature(
        ctx,
        feature.key,
        { name: v.name, unitName: v.unitName, description: v.description || null, archived: v.archived ?? false },
        actor,
      );
      return { kind: "done", to: adminPath(feature.key), message: "Saved." };
    }
    const at = effectiveAtOf(v.effectiveOn, ctx.clock.now());
    if (at && at.getTime() < ctx.clock.now().getTime()) {
      const result = submission.reply({ fieldErrors: { effectiveOn: ["Choose today or a later day."] } });
      return { kind: "reply", status: 400, result };
    }
    if (v.intent === "review-price") {
      const review = {
        credits: v.credits,
        perUnits: v.perUnits,
        effectiveOn: at ? v.effectiveOn! : null,
        current: { credits: feature.price.credits, perUnits: feature.price.perUnits },
      };
      return { kind: "reply", status: 200, result: submission.reply(), review };
    }
    const price = addFeaturePrice(
      ctx,
      feature.key,
      { credits: v.credits, perUnits: v.perUnits, effectiveAt: at },
      actor,
    );
    return { kind: "done", to: adminPath(feature.key), message: `Price version ${price.version} added.` };
  } catch (e) {
    if (!isAppError(e)) throw e;
    const fields = ["name", "unitName", "description", "credits", "perUnits", "effectiveOn"];
    const fieldFor = (f: string) => (f === "effectiveAt" ? "effectiveOn" : f);
    return {
      kind: "reply",
      status: httpStatusFor(e.code),
      result: replyWithError(submission, e, { fields, fieldFor }),
    };
  }
}

/** The feature for a route's `:key`, or a 404. */
export function requireFeatureForPage(ctx: DbClock, key: string | undefined): FeatureView {
  const feature = key ? getFeature(ctx, key) : undefined;
  if (!feature) throw new Response("There is no such feature.", { status: 404, statusText: "Not Found" });
  return feature;
}
