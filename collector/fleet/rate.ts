// Events per minute over a sliding window of 60 one-second buckets (checks/min per runner).
export class MinuteRate {
  readonly #buckets = new Float64Array(60);
  /** Second (epoch s) each bucket holds. */
  readonly #seconds = new Float64Array(60).fill(-1);

  add(now: number, n = 1): void {
    const second = Math.floor(now / 1000);
    const i = second % 60;
    if (this.#seconds[i] !== second) {
      this.#seconds[i] = second;
      this.#buckets[i] = 0;
    }
    this.#buckets[i]! += n;
  }

  /** Events in the last 60 s (the current second included). */
  perMinute(now: number): number {
    const second = Math.floor(now / 1000);
    let sum = 0;
    for (let i = 0; i < 60; i++) {
      const s = this.#seconds[i]!;
      if (s > second - 60 && s <= second) sum += this.#buckets[i]!;
    }
    return sum;
  }
}
