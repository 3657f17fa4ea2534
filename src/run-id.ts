import { randomBytes } from 'node:crypto';

const RUN_ID = /^run-\d{8}T\d{6}Z-[0-9a-z]{6}$/;

/**
 * `run-` + sortable UTC time + 6 random characters, e.g. `run-20260101T000000Z-k3x9q2`.
 * `random` is injectable so simulated runs get ids derived from their seed.
 */
export function newRunId(
  now: number,
  random: () => number = () => randomBytes(4).readUInt32BE() / 0x1_0000_0000,
): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += Math.floor(random() * 36).toString(36);
  return `run-${stamp}-${suffix}`;
}

export function isRunId(text: string): boolean {
  return RUN_ID.test(text);
}
