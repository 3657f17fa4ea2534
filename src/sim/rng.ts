/**
 * Seeded randomness for the simulated world. Nothing here reads the wall clock or
 * Math.random: the same seed and the same calls give the same numbers, and the state is
 * one integer, so it can be saved with the world and restored.
 */

/** mulberry32: small, fast and good enough for ids and fault rates. */
export class Rng {
  #state: number;

  constructor(state: number) {
    this.#state = state >>> 0;
  }

  get state(): number {
    return this.#state;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * `prefix`, then `length` characters drawn from `alphabet`, as one flat string: built with
   * `+=` it was a chain of a string object per character past the 12th, which every record kept
   * with its id (docs/performance.md, "Memory: what the peak is made of").
   */
  chars(alphabet: string, length: number, prefix = ''): string {
    const codes: number[] = [];
    for (let i = 0; i < prefix.length; i++) codes.push(prefix.charCodeAt(i));
    for (let i = 0; i < length; i++) codes.push(alphabet.charCodeAt(this.int(alphabet.length)));
    return String.fromCharCode(...codes);
  }
}

/** A 32-bit hash of a string (cyrb53 folded to 32 bits), to derive seeds from names. */
export function hashString(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2_654_435_761);
    h2 = Math.imul(h2 ^ ch, 1_597_334_677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2_246_822_507) ^ Math.imul(h2 ^ (h2 >>> 13), 3_266_489_909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2_246_822_507) ^ Math.imul(h1 ^ (h1 >>> 13), 3_266_489_909);
  return (h1 ^ h2) >>> 0;
}

/** A seed given as a number or any string becomes a 32-bit PRNG state. */
export function seedState(seed: number | string): number {
  return typeof seed === 'number' ? seed >>> 0 : hashString(seed);
}
