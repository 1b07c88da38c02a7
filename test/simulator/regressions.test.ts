/**
 * Every bug the simulator found, as the shortest sequence it shrank to (the seed that found it in
 * the test name: `npm run simulate -- --seed N` showed it before the fix; "rate-card mix" is the
 * second run of simulator.test.ts), and bugs seen while writing the model, as the steps that show
 * them. Each runs through the same steps and comparison as the random runs.
 */
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import {
  BuyPackStep,
  GrantStep,
  HoldStep,
  RefundStep,
  RenewStep,
  StripeRefundStep,
  VoidStep,
  type Step,
  type Wait,
} from "./commands";
import { Engine, closeRig } from "./engine";
import { ArchiveStep, CheckStep, FeatureCaptureStep, FeatureHoldStep, PlanTermsStep, PriceStep } from "./usage-steps";
import { Model } from "./model";

const now: Wait = { kind: "none" };

function replay(steps: Step[]): void {
  const engine = new Engine();
  const model = new Model(engine.ctx.clock.now().getTime(), engine.users);
  fc.modelRun(() => ({ model, real: engine }), steps);
}

afterAll(() => closeRig());

describe("bugs the simulator found", () => {
  it("seed 4: a renewal counts the credits of a hold that lapsed during the period as unused (rollover)", () => {
    replay([
      new GrantStep(now, 0, "subscription", 1, 3_600_000, null, null, null),
      new RenewStep(now, 1, 50, 0, null, 0),
      new HoldStep({ kind: "boundary", offset: -1 }, 1, 1, 60, null),
      new RenewStep(now, 1, 50, 50, null, 0),
    ]);
  });

  it("seed 2: a refund takes held credits after the free ones (issue 20, decision 017)", () => {
    replay([new BuyPackStep(now, 1), new HoldStep(now, 1, 1, 60, null), new RefundStep(now, 0, 120, null)]);
  });

  it("seed 4: a void takes held credits too (issue 20, decision 017)", () => {
    replay([
      new BuyPackStep(now, 1),
      new HoldStep({ kind: "boundary", offset: -1 }, 1, 1, 60, null),
      new VoidStep(now, 0, false, null),
    ]);
  });

  it("seed 1: a Stripe refund reaches a pack whose only hold lapsed unrecorded (issue 20, decision 017)", () => {
    replay([
      new BuyPackStep(now, 1),
      new HoldStep({ kind: "boundary", offset: -1 }, 1, 120, 60, null),
      new StripeRefundStep({ kind: "ms", ms: 60_000 }, 0, 100),
    ]);
  });

  it("seed 7: a hold by feature under a key a hold by amount used answers idempotency_conflict, whatever the feature costs (issue 25)", () => {
    replay([
      new GrantStep(now, 1, "topup", 10, 0, null, null, null),
      new HoldStep(now, 1, 1, 60, "h1"),
      new FeatureHoldStep(now, 1, "free", 7, 60, null, "h1"),
    ]);
  });

  it("(seen while writing the model) a hold by feature replayed after a price change answers the original hold (issue 25)", () => {
    replay([
      new GrantStep(now, 1, "topup", 100, 0, null, null, null),
      new FeatureHoldStep(now, 1, "images", 2, 3600, null, "h1"),
      new PriceStep(now, "images", 5, 1, 0),
      new FeatureHoldStep(now, 1, "images", 2, 3600, null, "h1"),
    ]);
  });

  it("(seen while writing the model) a hold by feature replayed after the feature was archived answers the original hold (issue 25)", () => {
    replay([
      new GrantStep(now, 1, "topup", 100, 0, null, null, null),
      new FeatureHoldStep(now, 1, "images", 2, 3600, null, "h1"),
      new ArchiveStep(now, "images", true),
      new FeatureHoldStep(now, 1, "images", 2, 3600, null, "h1"),
    ]);
  });

  it("(seen while writing the model) a hold of another feature that costs the same under the same key and reason is a conflict, not a replay (issue 25)", () => {
    replay([
      new GrantStep(now, 1, "topup", 100, 0, null, null, null),
      new FeatureHoldStep(now, 1, "images", 1, 3600, "job", "h1"),
      new FeatureHoldStep(now, 1, "calls", 10, 3600, "job", "h1"),
    ]);
  });

  it("seed 7 (rate-card mix): a plan that leaves a feature out includes none of its units — check says 0 left, a capture uses none (issue 25)", () => {
    replay([
      new RenewStep(now, 1, 50, 0, null, 0),
      new PlanTermsStep(now, "free", false, undefined, 1000),
      new CheckStep(now, 1, "free", 1, false),
      new FeatureHoldStep(now, 1, "tokens", 1000, 3600, null, null),
      new PlanTermsStep(now, "tokens", false, undefined, undefined),
      new FeatureCaptureStep(now, 0, null),
    ]);
  });
});
