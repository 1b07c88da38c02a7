/**
 * The deterministic simulator of the credit engine (issue 20): random sequences of every money
 * operation (./commands.ts; the rate card's in ./usage-steps.ts, issue 25) against the engine and
 * the reference model (./model.ts, ./rate-model.ts), with
 * fast-check's model-based testing, so a failure is shrunk to the shortest sequence and printed
 * with the seed that reproduces it.
 *
 *   npm run simulate -- --steps 1000000 --seed 42     (long runs; `npm test` runs a short one)
 */
import fc from "fast-check";
import {
  AdjustStep,
  AutoTopupStep,
  BatchStep,
  BuyPackStep,
  CaptureStep,
  counter,
  DeductStep,
  GrantStep,
  HoldStep,
  LegacyImportStep,
  RefundStep,
  ReleaseStep,
  RenewStep,
  ReplayStep,
  SettlePaymentStep,
  StripeRefundStep,
  SweepStep,
  SyncStep,
  VoidStep,
  WaitStep,
  type Step,
  type Wait,
} from "./commands";
import { Engine } from "./engine";
import {
  ArchiveStep,
  CheckStep,
  FeatureCaptureStep,
  FeatureHoldStep,
  PlanTermsStep,
  PriceStep,
  UsageBatchStep,
  UsageStep,
} from "./usage-steps";
import { DAY_MS, HOUR_MS, MINUTE_MS, Model } from "./model";

const user = fc.integer({ min: 0, max: 1 });
const key = (...pool: string[]) => fc.option(fc.constantFrom(...pool), { nil: null, freq: 2 });
const pickArb = fc.nat({ max: 1000 });

const waitArb: fc.Arbitrary<Wait> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ kind: "none" as const }) },
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 1, max: 90 }).map((n) => n * MINUTE_MS),
        fc.integer({ min: 1, max: 48 }).map((n) => n * HOUR_MS),
        fc.integer({ min: 1, max: 20 }).map((n) => n * DAY_MS),
      )
      .map((ms) => ({ kind: "ms" as const, ms })),
  },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(-1 as const, 0 as const, 1 as const)
      .map((offset) => ({ kind: "boundary" as const, offset })),
  },
);

const amount = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 }));

/** A feature the rate card has (and, rarely, one it has not). */
const featureKey = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom("tokens", "images", "calls", "free") },
  { weight: 1, arbitrary: fc.constant("nope") },
);
const knownFeature = fc.constantFrom("tokens", "images", "calls", "free");
/** Units: a few, around a price's perUnits (1,000 tokens for a credit), or many. */
const units = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(7, 999, 1000, 1001) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }) },
);
const priceArb = fc.record({
  credits: fc.integer({ min: 0, max: 5 }),
  perUnits: fc.constantFrom(1, 7, 1000),
});

/** The rate card's operations (issue 25). */
const rateOperations: fc.Arbitrary<Step>[] = [
  fc.tuple(waitArb, user, featureKey, units, key("u1", "u2", "u3")).map((a) => new UsageStep(...a)),
  fc.tuple(waitArb, user, featureKey, units, fc.boolean()).map((a) => new CheckStep(...a)),
  fc
    .tuple(
      waitArb,
      user,
      featureKey,
      // Mostly a few sizes, so a key is often sent again for the same request.
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom(1, 2, 1000) }, { weight: 1, arbitrary: units }),
      fc.constantFrom(60, 3600, 86_400),
      fc.option(fc.constant("job"), { nil: null }),
      key("h1", "h2"),
    )
    .map((a) => new FeatureHoldStep(...a)),
  fc
    .tuple(waitArb, pickArb, fc.option(fc.oneof(fc.integer({ min: 1, max: 5 }), units), { nil: null, freq: 2 }))
    .map((a) => new FeatureCaptureStep(...a)),
  fc
    .tuple(waitArb, knownFeature, priceArb, fc.oneof(fc.constant(0), fc.constantFrom(HOUR_MS, DAY_MS)))
    .map(([w, f, p, inMs]) => new PriceStep(w, f, p.credits, p.perUnits, inMs)),
  fc
    .tuple(
      waitArb,
      knownFeature,
      fc.option(fc.boolean(), { nil: undefined, freq: 2 }),
      fc.option(fc.option(priceArb, { nil: null }), { nil: undefined }),
      fc.option(fc.constantFrom(0, 3, 1000, 2500), { nil: undefined }),
    )
    .map((a) => new PlanTermsStep(...a)),
  fc.tuple(waitArb, knownFeature, fc.boolean()).map((a) => new ArchiveStep(...a)),
  fc
    .tuple(
      waitArb,
      fc.array(
        fc.record({ user, feature: featureKey, quantity: units, key: fc.constantFrom("e1", "e2", "e3", "e4") }),
        {
          minLength: 1,
          maxLength: 5,
        },
      ),
      fc.constantFrom("batch" as const, "group" as const),
    )
    .map((a) => new UsageBatchStep(...a)),
];

/** Every operation once (fc.commands draws them evenly); `stepArbs` weights some. */
const operations: fc.Arbitrary<Step>[] = [
  fc
    .tuple(
      waitArb,
      user,
      fc.constantFrom("subscription" as const, "promotional" as const, "topup" as const),
      fc.integer({ min: 1, max: 300 }),
      fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 72 }).map((h) => h * HOUR_MS),
      ),
      fc.option(
        fc.oneof(
          fc.integer({ min: 1, max: 180 }).map((m) => m * MINUTE_MS),
          fc.integer({ min: 1, max: 10 }).map((d) => d * DAY_MS),
        ),
        { nil: null },
      ),
      fc.option(fc.integer({ min: 0, max: 40 }), { nil: null, freq: 3 }),
      key("k1", "k2", "k3"),
    )
    .map((a) => new GrantStep(...a)),
  fc.tuple(waitArb, user, amount, key("k1", "k2", "k3")).map((a) => new DeductStep(...a)),
  fc
    .tuple(
      waitArb,
      fc.array(
        fc.record({
          user,
          amount: fc.oneof(fc.constantFrom(5, 20), fc.integer({ min: 1, max: 120 })),
          key: key("b1", "b2", "b3"),
        }),
        {
          minLength: 1,
          maxLength: 5,
        },
      ),
      fc.constantFrom("batch" as const, "group" as const),
    )
    .map((a) => new BatchStep(...a)),
  fc
    .tuple(
      waitArb,
      user,
      fc.integer({ min: -200, max: 200 }).filter((n) => n !== 0),
      key("k1", "k2", "k3"),
    )
    .map((a) => new AdjustStep(...a)),
  fc
    .tuple(
      waitArb,
      user,
      fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 40 }) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }) },
      ),
      fc.constantFrom(60, 600, 3600, 86_400),
      key("h1", "h2"),
    )
    .map((a) => new HoldStep(...a)),
  fc
    .tuple(
      waitArb,
      pickArb,
      fc.option(fc.oneof(fc.constant(10), fc.integer({ min: 1, max: 150 })), { nil: null, freq: 2 }),
      fc.option(fc.constant("c1"), { nil: null, freq: 4 }),
    )
    .map((a) => new CaptureStep(...a)),
  fc.tuple(waitArb, pickArb).map((a) => new ReleaseStep(...a)),
  fc.tuple(waitArb, pickArb, fc.boolean(), key("v1")).map((a) => new VoidStep(...a)),
  fc.tuple(waitArb, pickArb, fc.integer({ min: 1, max: 200 }), key("r1", "r2")).map((a) => new RefundStep(...a)),
  fc.tuple(waitArb, user).map((a) => new BuyPackStep(...a)),
  fc.tuple(waitArb, pickArb, fc.constantFrom(0, 100, 200, 300, 600)).map((a) => new StripeRefundStep(...a)),
  fc
    .tuple(waitArb, user, fc.boolean(), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 3 }))
    .map((a) => new AutoTopupStep(...a)),
  fc.tuple(waitArb, pickArb, fc.boolean()).map((a) => new SettlePaymentStep(...a)),
  waitArb.map((w) => new SweepStep(w)),
  fc.tuple(waitArb, user, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 }))).map((a) => new SyncStep(...a)),
  fc
    .tuple(
      waitArb,
      user,
      fc.oneof(fc.constantFrom(0, 100), fc.integer({ min: 1, max: 300 })),
      fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }),
      fc.boolean(),
    )
    .map((a) => new LegacyImportStep(...a)),
  fc
    .tuple(
      waitArb,
      user,
      fc.integer({ min: 50, max: 300 }),
      fc.constantFrom(0, 50, 100),
      fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
      fc.constantFrom(0, 1, MINUTE_MS, HOUR_MS),
    )
    .map((a) => new RenewStep(...a)),
  fc.tuple(waitArb, pickArb).map((a) => new ReplayStep(...a)),
  waitArb.map((w) => new WaitStep(w)),
  ...rateOperations,
];

/** Grants (credits to spend), holds and captures twice as often: most else needs them. */
const stepArbs: fc.Arbitrary<Step>[] = [
  ...operations,
  operations[0],
  operations[4],
  operations[5],
  // Usage too: most of the rate card's steps meet what it used.
  rateOperations[0],
  // Auto top-up's payments and replays, which now share the draw with the rate card's steps.
  operations[11],
  operations[12],
  operations[17],
];

const [grantOp, , , , holdOp, captureOp, releaseOp, voidOp, refundOp] = operations;
const renewOp = operations[16];
const replayOp = operations[17];
const [usageOp, checkOp, featureHoldOp, featureCaptureOp] = rateOperations;

/**
 * The rate card with what it meets most (credits, subscriptions and their renewals, holds, refunds,
 * replays): `npm test` runs some sequences of this mix beside the full one.
 */
export const rateFocusArbs: fc.Arbitrary<Step>[] = [
  ...rateOperations,
  grantOp,
  grantOp,
  renewOp,
  renewOp,
  holdOp,
  captureOp,
  releaseOp,
  voidOp,
  refundOp,
  replayOp,
  usageOp,
  checkOp,
  featureHoldOp,
  featureHoldOp,
  featureCaptureOp,
  featureCaptureOp,
];

/** One sequence: a fresh database, the model beside it, every step compared. */
function simulationProperty(maxCommands: number, seen?: Set<string>, arbs: fc.Arbitrary<Step>[] = stepArbs) {
  return fc.property(fc.commands(arbs, { maxCommands, size: "max" }), (cmds) => {
    const engine = new Engine();
    try {
      const model = new Model(engine.ctx.clock.now().getTime(), engine.users);
      fc.modelRun(() => ({ model, real: engine }), cmds);
      if (seen) for (const s of model.seen) seen.add(s);
    } finally {
      engine.close();
    }
  });
}

export interface SimulationResult {
  steps: number;
  sequences: number;
  seconds: number;
  seed: number;
  failure: string | null;
}

/**
 * Runs sequences until `steps` steps (and `sequences` sequences) ran: chunks of `chunk` sequences, chunk i seeded with seed + i,
 * so any failure is reproduced by `--seed <that chunk's seed>`.
 */
export function simulate(opts: {
  steps: number;
  /** At least this many sequences too (default 0). */
  sequences?: number;
  seed: number;
  maxCommands?: number;
  chunk?: number;
  seen?: Set<string>;
  /** The operations drawn (default: all of them, `stepArbs`). */
  arbs?: fc.Arbitrary<Step>[];
  log?: (line: string) => void;
}): SimulationResult {
  const started = process.hrtime.bigint();
  const maxCommands = opts.maxCommands ?? 60;
  const chunk = opts.chunk ?? 50;
  const first = counter.steps;
  let sequences = 0;
  let lastLog = 0;
  for (let i = 0; counter.steps - first < opts.steps || sequences < (opts.sequences ?? 0); i++) {
    const seed = (opts.seed + i) | 0;
    const out = fc.check(simulationProperty(maxCommands, opts.seen, opts.arbs), { seed, numRuns: chunk });
    sequences += out.numRuns;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (out.failed) {
      const error = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
      const message = `${fc.defaultReportMessage(out) ?? "failed"}\n${error}`;
      return {
        steps: counter.steps - first,
        sequences,
        seconds,
        seed,
        failure: `${message}\nReproduce: npm run simulate -- --seed ${seed} --steps ${counter.steps - first}`,
      };
    }
    if (opts.log && seconds - lastLog >= 60) {
      lastLog = seconds;
      opts.log(`${counter.steps - first} steps, ${sequences} sequences, ${seconds.toFixed(0)} s`);
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { steps: counter.steps - first, sequences, seconds, seed: opts.seed, failure: null };
}
