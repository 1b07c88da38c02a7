/**
 * Every bug the simulator found, as the shortest sequence it shrank to (the seed that found it in
 * the test name: `npm run simulate -- --seed N` showed it before the fix). Each runs through the same
 * steps and comparison as the random runs.
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
});
