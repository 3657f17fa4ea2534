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

/**
 * DRS's TagsMap: keys and values at most 256 characters each in the API model (DOCUMENTED:
 * drs.service-2.json, TagKey/TagValue max 256); keys at most 128 and no `aws:` prefix by AWS's
 * general tagging rules (ASSUMED to hold for DRS, as for every service that follows them).
 */
export const TAG_KEY_MAX = 128;
export const TAG_VALUE_MAX = 256;

export function checkTags(world: World, field: string, tags: unknown): void {
  if (tags === undefined) return;
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags))
    throw world.fieldError(field, 'must be a map');
  for (const [key, value] of Object.entries(tags)) {
    if (key.length > TAG_KEY_MAX) {
      throw world.fieldError(field, `tag key of ${key.length} characters; at most ${TAG_KEY_MAX}`);
    }
    if (key.toLowerCase().startsWith('aws:'))
      throw world.fieldError(field, `tag key "${key}" uses the reserved aws: prefix`);
    if (typeof value !== 'string' || value.length > TAG_VALUE_MAX) {
      throw world.fieldError(
        field,
        `value of tag "${key}" has ${typeof value === 'string' ? value.length : 'no'} characters; at most ${TAG_VALUE_MAX}`,
      );
    }
  }
}
