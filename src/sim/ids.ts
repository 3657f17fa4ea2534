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

export const newSourceServerId = (rng: Rng): string => `s-${rng.chars(HEX, 17)}`;
export const newInstanceId = (rng: Rng): string => `i-${rng.chars(HEX, 17)}`;
export const newJobId = (rng: Rng): string => `drsjob-${rng.chars(ALNUM, 17)}`;
export const newSnapshotId = (rng: Rng): string => `pit-${rng.chars(ALNUM, 17)}`;
export const newEbsSnapshotId = (rng: Rng): string => `snap-${rng.chars(HEX, 17)}`;
export const newReservationId = (rng: Rng): string => `r-${rng.chars(HEX, 17)}`;

/** A v4-shaped UUID from the seeded generator (request ids, SNS message ids). */
export function newUuid(rng: Rng): string {
  const h = rng.chars(HEX, 32);
  const variant = HEX.charAt(8 + rng.int(4));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
