import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MACHINE_VERSION,
  migrate,
  parseRunMeta,
  parseSnapshotFile,
  RUN_META_FORMAT_VERSION,
  RunStore,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_MIGRATIONS,
  SnapshotFormatError,
} from '../../src/store/index.js';
import { FIXTURE_RUN_ID } from '../fixtures/snapshots/fixture-plan.js';
import { RUN_A, tempStateDir, testPlan } from './helpers.js';

const FIXTURE = readFileSync(
  join(import.meta.dirname, '..', 'fixtures', 'snapshots', 'v1-monitoring-job.snapshot.json'),
  'utf8',
);

describe('snapshot envelope: machine version and migrations', () => {
  it('a snapshot written before the machine version existed (the committed v1 fixture) still loads', () => {
    const raw = JSON.parse(FIXTURE) as Record<string, unknown>;
    expect(raw.formatVersion).toBe(1);
    expect('machineVersion' in raw).toBe(false);
    const file = parseSnapshotFile(FIXTURE, FIXTURE_RUN_ID);
    expect(file).toMatchObject({ formatVersion: SNAPSHOT_FORMAT_VERSION, machineVersion: MACHINE_VERSION });
    // Machine 1 is current: the snapshot inside is the one written, untouched.
    expect(file.snapshot).toEqual(raw.snapshot);
  });

  it('writes the current format and machine version, and reads them back', () => {
    const run = new RunStore({ stateDir: tempStateDir() }).create(testPlan(), 'x', RUN_A);
    run.saveSnapshot({ status: 'active', value: 'a', context: {} } as never);
    const raw = JSON.parse(readFileSync(run.snapshotPath, 'utf8'));
    expect(raw).toMatchObject({ formatVersion: 3, machineVersion: 1 });
    expect(run.loadSnapshotFile()).toMatchObject({
      formatVersion: 3,
      machineVersion: 1,
      snapshot: { value: 'a' },
    });
    run.close();
  });

  it('refuses a snapshot of a newer machine, with the sentence that says to upgrade', () => {
    const text = JSON.stringify({
      formatVersion: 2,
      machineVersion: MACHINE_VERSION + 1,
      runId: RUN_A,
      snapshot: { status: 'active' },
    });
    expect(() => parseSnapshotFile(text, RUN_A)).toThrow(SnapshotFormatError);
    expect(() => parseSnapshotFile(text, RUN_A)).toThrow(
      `snapshot.json machineVersion ${MACHINE_VERSION + 1} is newer than this drs-failback understands (${MACHINE_VERSION}); upgrade`,
    );
  });

  it('the hook: every envelope step from version 1 exists; a machine step migrates older snapshots', () => {
    for (let v = 1; v < SNAPSHOT_FORMAT_VERSION; v++)
      expect(SNAPSHOT_MIGRATIONS.envelope[v]).toBeTypeOf('function');
    // As a later machine 2 would: the fixture (machine 1, format 1) is read through a step that renames a state.
    const machine2 = { ...SNAPSHOT_MIGRATIONS, machineVersion: 2 };
    expect(() => parseSnapshotFile(FIXTURE, FIXTURE_RUN_ID, 'snapshot.json', machine2)).toThrow(
      /no migration from version 1 to 2/,
    );
    const renamed = parseSnapshotFile(FIXTURE, FIXTURE_RUN_ID, 'snapshot.json', {
      ...machine2,
      machine: { 1: (s) => ({ ...s, value: { running: 'renamed' } }) },
    });
    expect(renamed).toMatchObject({ machineVersion: 2, snapshot: { value: { running: 'renamed' } } });
  });

  it('migrate() applies the steps in order and refuses a gap', () => {
    const table = {
      1: (d: Record<string, unknown>) => ({ ...d, a: 1 }),
      2: (d: Record<string, unknown>) => ({ ...d, b: d.a }),
    };
    expect(migrate({}, 1, 3, table, 'x')).toEqual({ a: 1, b: 1 });
    expect(migrate({ z: 0 }, 3, 3, table, 'x')).toEqual({ z: 0 });
    expect(() => migrate({}, 1, 4, table, 'x')).toThrow(SnapshotFormatError);
  });
});

describe('run.json', () => {
  it('records the event format of the run; a format 1 file (before it) loads as format 2', () => {
    const store = new RunStore({ stateDir: tempStateDir() });
    const run = store.create(testPlan(), 'x', RUN_A);
    expect(run.meta()).toMatchObject({ formatVersion: RUN_META_FORMAT_VERSION, eventFormatVersion: 2 });
    const file = join(run.dir, 'run.json');
    const { eventFormatVersion: _e, ...v1 } = run.meta();
    writeFileSync(file, JSON.stringify({ ...v1, formatVersion: 1 }));
    expect(store.open(RUN_A).meta()).toMatchObject({
      formatVersion: 2,
      eventFormatVersion: 1,
      plan: 'payments',
    });
    run.releaseLocks();
  });

  it('refuses a newer run.json', () => {
    expect(() => parseRunMeta(JSON.stringify({ formatVersion: 3 }), 'run.json')).toThrow(
      'run.json format 3 is newer than this drs-failback understands (2); upgrade',
    );
  });
});

describe('event log of format 1 (before seq)', () => {
  it('numbers its events by their place in the log when read', () => {
    const run = new RunStore({ stateDir: tempStateDir() }).create(testPlan(), 'x', RUN_A);
    const at = '2026-01-01T00:00:00.000Z';
    writeFileSync(
      run.eventsPath,
      [
        { type: 'state', machine: 'plan', from: null, to: 'running', at, runId: RUN_A },
        { type: 'state', machine: 'plan', from: 'running', to: 'completed', at, runId: RUN_A },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    expect(run.readEvents().map((e) => e.seq)).toEqual([1, 2]);
    run.releaseLocks();
  });
});
