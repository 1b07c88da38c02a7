/** The one source of time. Domain code takes a Clock; nothing else calls Date.now(). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests (and the demo's time travel) can move. */
export class ManualClock implements Clock {
  private nowMs: number;
  constructor(start: Date | number | string = "2026-01-01T00:00:00.000Z") {
    this.nowMs = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.nowMs);
  }
  set(to: Date | number | string): void {
    this.nowMs = new Date(to).getTime();
  }
  advance(byMs: number): void {
    this.nowMs += byMs;
  }
}

export const MS_PER_DAY = 86_400_000;

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * MS_PER_DAY);
}
