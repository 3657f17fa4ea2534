// The crash bench: the crash proof of test/support/crash/ in full (60+ kills, both outcomes).
//   npx tsx bench/crash.ts [--kills 60] [--seed 1] [--speed 1200]
//   npx tsx bench/crash.ts --windows     the deterministic windows (bench/crash.windows.ts)
// Results go to stdout; docs/reliability.md records them.
import { runCrashProof } from '../test/support/crash/proof.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(value) ? value : fallback;
}

const started = Date.now();
const fail = (error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
};
if (process.argv.includes('--windows')) {
  // The deterministic windows of issue 11 (bench/crash.windows.ts).
  import('./crash.windows.js')
    .then(({ runCrashWindows }) => runCrashWindows((line) => process.stderr.write(`${line}\n`)))
    .then((results) => {
      process.stdout.write(
        `${JSON.stringify({ results, realSeconds: (Date.now() - started) / 1000 }, null, 2)}\n`,
      );
      if (results.some((r) => !r.sameOutcome || r.maxStartsPerInstance > 1 || r.staysSimulated === false)) {
        process.exitCode = 1;
      }
    }, fail);
} else {
  runCrashProof({
    kills: arg('kills', 60),
    seed: arg('seed', 1),
    speed: arg('speed', 1200),
    log: (line) => process.stderr.write(`${line}\n`),
  }).then((result) => {
    process.stdout.write(
      `${JSON.stringify({ ...result, realSeconds: (Date.now() - started) / 1000 }, null, 2)}\n`,
    );
    if (!result.ok) process.exitCode = 1;
  }, fail);
}
