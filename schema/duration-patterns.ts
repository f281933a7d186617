// Regular expressions that say "a duration from min to max", so an editor that only knows JSON
// Schema (the YAML language server) flags out-of-range durations as the user types.
//
// Exactly matching every spelling is out of reach: a later unit may exceed its carry (`1m90s`,
// `29s1000ms`), and deciding `1000*s + ms <= max` over free numbers needs one automaton state
// per second up to max (86,400 for 24h). So the patterns are exact on *carried* spellings, where
// every unit after the first one written is below its carry (m < 60, s < 60, ms < 1000; leading
// zeros allowed): `30s`, `90s`, `1m30s`, `0m5s`, `1500ms`, `1h0m`. That is what people write. On
// a carried spelling, the first unit's count is the quotient of the value by that unit and the
// rest is the remainder, so the range becomes a range over a mixed-radix number.
//
// Uncarried spellings are handled by the mode: `lenient` accepts them all (the pattern then only
// rejects what is really out of range: no false errors in editors; `vigil validate` still judges
// them), `strict` rejects them all (the pattern then only accepts what is really in range: safe as
// the condition of an `if`).

interface Unit {
  suffix: string;
  ms: number;
  /** Count at which the unit carries into the one above; Infinity for hours. */
  carry: number;
}

const UNITS: readonly Unit[] = [
  { suffix: 'h', ms: 3_600_000, carry: Number.POSITIVE_INFINITY },
  { suffix: 'm', ms: 60_000, carry: 60 },
  { suffix: 's', ms: 1_000, carry: 60 },
  { suffix: 'ms', ms: 1, carry: 1_000 },
];

export interface PatternRange {
  /** Smallest value in ms (0 or more). */
  min: number;
  /** Largest value in ms. */
  max: number;
}

/** Anchored pattern source for durations whose value lies in one of the ranges. */
export function durationRangePattern(ranges: readonly PatternRange[], mode: 'lenient' | 'strict'): string {
  const branches: string[] = [];
  for (const { min, max } of ranges) {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min) {
      throw new RangeError(`durationRangePattern: bad range ${min}..${max}`);
    }
    if (min === 0) branches.push('0');
    UNITS.forEach((_, index) => {
      const carried = leading(index, min, max);
      if (carried !== null) branches.push(carried);
    });
  }
  if (mode === 'lenient') branches.push(...uncarried());
  if (branches.length === 0) return '^(?!)$';
  return `^(?:${[...new Set(branches)].join('|')})$`;
}

/** Carried spellings whose first written unit is UNITS[index], value in [lo, hi]. */
function leading(index: number, lo: number, hi: number): string | null {
  return unitsFrom(index, lo, hi, false);
}

/** The optional units from UNITS[index] on, each below its carry, value in [lo, hi]. */
function tail(index: number, lo: number, hi: number): string | null {
  if (index === UNITS.length) return lo === 0 ? '' : null;
  return unitsFrom(index, lo, hi, true);
}

/**
 * UNITS[index] written with a count, then the tail below its carry, value in [lo, hi]. In the
 * tail (`optional`) a count of 0 may also be left out; the first written unit is always there.
 */
function unitsFrom(index: number, lo: number, hi: number, optional: boolean): string | null {
  const unit = UNITS[index] as Unit;
  const restMax = unit.ms - 1;
  const qlo = Math.floor(lo / unit.ms);
  const qhi = Math.floor(hi / unit.ms);
  const options: string[] = [];
  for (const [from, to, restLo, restHi] of splits(qlo, qhi, lo % unit.ms, hi % unit.ms, restMax)) {
    const rest = tail(index + 1, restLo, restHi);
    if (rest === null) continue;
    const count = `0*${numberRange(from, to)}${unit.suffix}`;
    options.push(optional && from === 0 ? `(?:${count})?${rest}` : `${count}${rest}`);
  }
  return options.length === 0 ? null : alternatives(options);
}

/**
 * Counts from qlo to qhi with the range the rest must be in: the first count needs at least
 * rlo, the last at most rhi, counts between take any rest.
 */
function splits(
  qlo: number,
  qhi: number,
  rlo: number,
  rhi: number,
  restMax: number,
): Array<[number, number, number, number]> {
  if (qlo === qhi) return [[qlo, qlo, rlo, rhi]];
  const out: Array<[number, number, number, number]> = [];
  let from = qlo;
  if (rlo > 0) {
    out.push([qlo, qlo, rlo, restMax]);
    from = qlo + 1;
  }
  let to = qhi;
  const lastTakesAll = rhi === restMax;
  if (!lastTakesAll) to = qhi - 1;
  if (from <= to) out.push([from, to, 0, restMax]);
  if (!lastTakesAll) out.push([qhi, qhi, 0, rhi]);
  return out;
}

/** Spellings with some unit after the first at or above its carry (`1m90s`, `0h0m1000ms`). */
function uncarried(): string[] {
  const out: string[] = [];
  for (let first = 0; first < UNITS.length; first++) {
    for (let over = first + 1; over < UNITS.length; over++) {
      const between = UNITS.slice(first + 1, over).map((u) => `(?:[0-9]+${u.suffix})?`);
      const after = UNITS.slice(over + 1).map((u) => `(?:[0-9]+${u.suffix})?`);
      const unit = UNITS[over] as Unit;
      out.push(
        `[0-9]+${(UNITS[first] as Unit).suffix}${between.join('')}0*${numberRange(unit.carry, Number.POSITIVE_INFINITY)}${unit.suffix}${after.join('')}`,
      );
    }
  }
  return out;
}

function alternatives(options: string[]): string {
  return options.length === 1 ? (options[0] as string) : `(?:${options.join('|')})`;
}

/**
 * Decimal numbers from lo to hi (hi may be Infinity) without leading zeros, `0` for zero; the
 * caller puts `0*` in front. Built digit length by digit length.
 */
export function numberRange(lo: number, hi: number): string {
  const parts: string[] = [];
  const loDigits = String(lo).length;
  const hiDigits = Number.isFinite(hi) ? String(hi).length : Number.POSITIVE_INFINITY;
  const lastFinite = Number.isFinite(hiDigits) ? hiDigits : loDigits;
  for (let digits = loDigits; digits <= lastFinite; digits++) {
    const from = digits === loDigits ? lo : 10 ** (digits - 1);
    const to = Number.isFinite(hi) && digits === hiDigits ? hi : 10 ** digits - 1;
    parts.push(sameLength(String(from), String(to)));
  }
  if (!Number.isFinite(hiDigits)) parts.push(`[1-9][0-9]{${loDigits},}`);
  return parts.length === 1 ? (parts[0] as string) : `(?:${parts.join('|')})`;
}

/** Numbers from lo to hi, both written with the same number of digits. */
function sameLength(lo: string, hi: string): string {
  if (lo.length === 0) return '';
  if (lo === hi) return lo;
  const rest = lo.length - 1;
  const any = rest === 0 ? '' : rest === 1 ? '[0-9]' : `[0-9]{${rest}}`;
  const [l, h] = [Number(lo[0]), Number(hi[0])];
  if (l === h) return `${lo[0]}${sameLength(lo.slice(1), hi.slice(1))}`;
  const loAll = /^0*$/.test(lo.slice(1));
  const hiAll = /^9*$/.test(hi.slice(1));
  const parts: string[] = [];
  const midFrom = loAll ? l : l + 1;
  const midTo = hiAll ? h : h - 1;
  if (!loAll) parts.push(`${l}${sameLength(lo.slice(1), '9'.repeat(rest))}`);
  if (midFrom <= midTo) parts.push(`${digitClass(midFrom, midTo)}${any}`);
  if (!hiAll) parts.push(`${h}${sameLength('0'.repeat(rest), hi.slice(1))}`);
  return parts.length === 1 ? (parts[0] as string) : `(?:${parts.join('|')})`;
}

function digitClass(from: number, to: number): string {
  if (from === to) return String(from);
  return from === 0 && to === 9 ? '[0-9]' : `[${from}-${to}]`;
}
