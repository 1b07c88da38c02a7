/** The time the offline Stripe runs on: the app passes its own clock (tests a ManualClock); the system's otherwise. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
