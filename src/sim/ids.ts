import type { Rng } from './rng.js';

/** Id alphabets and generators, matching the patterns of the real services. */
export const HEX = '0123456789abcdef';
export const ALNUM = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export const ID_PATTERNS = {
  sourceServerID: /^s-[0-9a-zA-Z]{17}$/,
  recoveryInstanceID: /^i-[0-9a-fA-F]{8,}$/,
  ec2InstanceID: /^i-[0-9a-fA-F]{8,}$/,
  jobID: /^drsjob-[0-9a-zA-Z]{17}$/,
  snapshotID: /^pit-[0-9a-zA-Z]{17}$/,
} as const;

export const newSourceServerId = (rng: Rng): string => rng.chars(HEX, 17, 's-');
export const newInstanceId = (rng: Rng): string => rng.chars(HEX, 17, 'i-');
export const newJobId = (rng: Rng): string => rng.chars(ALNUM, 17, 'drsjob-');
export const newSnapshotId = (rng: Rng): string => rng.chars(ALNUM, 17, 'pit-');
export const newEbsSnapshotId = (rng: Rng): string => rng.chars(HEX, 17, 'snap-');
export const newReservationId = (rng: Rng): string => rng.chars(HEX, 17, 'r-');

/** A v4-shaped UUID from the seeded generator (request ids, SNS message ids). */
export function newUuid(rng: Rng): string {
  const h = rng.chars(HEX, 32);
  const variant = HEX.charAt(8 + rng.int(4));
  // Joined, not a template: one flat string instead of a tree of partial ones (every call
  // record keeps its request id).
  return [
    h.slice(0, 8),
    h.slice(8, 12),
    `4${h.slice(13, 16)}`,
    `${variant}${h.slice(17, 20)}`,
    h.slice(20, 32),
  ].join('-');
}
