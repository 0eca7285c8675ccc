// The demo history's events beside the instruments' checks (inspections, findings answered and
// closed, campaign verifications, lots), run in time order with the services' clock at each.

const HANOI_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** Local time of day in Hà Nội (UTC+7, no DST) on the day of `t` there; hours may have a fraction. */
export function hanoiTime(t: number, hours: number): number {
  return Math.floor((t + HANOI_OFFSET_MS) / DAY_MS) * DAY_MS - HANOI_OFFSET_MS + Math.round(hours * 3_600_000);
}

/**
 * Events run in time order (one may add later ones), the services' clock (`now`) at the event's
 * time or moved on by the event itself (`set`, for the steps of one visit).
 */
export class Agenda {
  private readonly events: { at: number; n: number; run: () => void }[] = [];
  private count = 0;
  private t = 0;
  readonly now = (): Date => new Date(this.t);

  at(at: number, run: () => void): void {
    this.events.push({ at, n: this.count++, run });
  }

  set(t: number): void {
    this.t = t;
  }

  run(): void {
    while (this.events.length > 0) {
      let next = 0;
      this.events.forEach((e, i) => {
        const best = this.events[next];
        if (e.at < best.at || (e.at === best.at && e.n < best.n)) next = i;
      });
      const [e] = this.events.splice(next, 1);
      this.t = e.at;
      e.run();
    }
  }
}
