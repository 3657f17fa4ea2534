import type { World } from './world.js';

/** An id list as DRS validates it: size bounds, then each id's pattern; the error names the field. */
export function checkIdList(
  world: World,
  field: string,
  ids: unknown,
  pattern: RegExp,
  min: number,
  max: number,
): string[] {
  if (ids === undefined && min === 0) return [];
  if (!Array.isArray(ids)) throw world.fieldError(field, 'required');
  if (ids.length < min || ids.length > max) {
    throw world.fieldError(field, `must contain between ${min} and ${max} items; got ${ids.length}`);
  }
  for (const id of ids) {
    if (typeof id !== 'string' || !pattern.test(id)) {
      throw world.fieldError(field, `"${String(id)}" does not match ${pattern.source}`);
    }
  }
  return ids as string[];
}
