/**
 * A small seeded random number generator, so datasets, initial weights and dropout masks
 * are repeatable run to run (JavaScript's `Math.random` cannot be seeded).
 *
 * @packageDocumentation
 */
import { describeValue } from './validate';

/**
 * `seed` when it is an integer; otherwise an error naming `where`. `seed >>> 0` turns a string,
 * NaN or 1.5 into some number without a word, so two "different" seeds would give the same
 * stream.
 */
export function checkSeed(seed: unknown, where: string): number {
  if (typeof seed !== 'number') throw new TypeError(`${where}: seed must be an integer, got ${describeValue(seed)}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`${where}: seed must be an integer, got ${seed}`);
  return seed;
}

/**
 * Mulberry32: a 32-bit generator, tiny and fast, plenty for teaching and initialisation
 * (not for cryptography).
 */
export class Random {
  private state: number;

  /** Start the stream from `seed` (any integer; anything else is an error, not a silent 0). */
  constructor(seed = 42) {
    this.state = checkSeed(seed, 'Random') >>> 0;
  }

  /** A float uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A float uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    if (typeof lo !== 'number' || typeof hi !== 'number') {
      throw new TypeError(
        `Random.uniform: lo and hi must be numbers, got ${describeValue(lo)} and ${describeValue(hi)}`,
      );
    }
    return lo + (hi - lo) * this.next();
  }

  /** An integer uniform in [0, n). */
  int(n: number): number {
    if (!(Number.isSafeInteger(n) && n >= 1))
      throw new RangeError(`Random.int: n must be an integer >= 1, got ${describeValue(n)}`);
    return Math.floor(this.next() * n);
  }

  /** A standard normal sample (Box–Muller). */
  normal(): number {
    const u = 1 - this.next(); // in (0, 1], so log(u) is finite
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffle an array in place (Fisher–Yates) and return it. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
}

/** The generator `manualSeed` started, which default draws continue; null until it is called. */
let globalRng: Random | null = null;

/**
 * Seed the global generator, as `torch.manual_seed`: from then on every draw that is not given
 * an `rng` or `seed` (initial weights, `rand`, `randn`, dropout masks, shuffles) continues this
 * one stream. Until it is called, each such default is a fresh generator seeded 0, so the
 * course's runs repeat without it; `manualSeed(null)` goes back to that.
 */
export function manualSeed(seed: number | null): void {
  globalRng = seed === null ? null : new Random(checkSeed(seed, 'manualSeed'));
}

/** The generator a draw with no `rng` or `seed` uses: the global one after `manualSeed`, else a fresh one seeded 0. */
export function defaultRng(): Random {
  return globalRng ?? new Random(0);
}
