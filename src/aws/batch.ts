/** Splits `list` into consecutive slices of at most `size` items (DRS takes 200 ids per call, EC2 100). */
export function chunk<T>(list: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  }
  const chunks: T[][] = [];
  for (let i = 0; i < list.length; i += size) {
    chunks.push(list.slice(i, i + size));
  }
  return chunks;
}

/** The same ids in their first-seen order, each once. */
export function unique<T>(list: readonly T[]): T[] {
  return [...new Set(list)];
}
