import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/events.js';
import {
  RunNotFoundError,
  RunStore,
  SNAPSHOT_FORMAT_VERSION,
  SnapshotFormatError,
} from '../../src/store/index.js';
import { RUN_A, RUN_B, S1, tempStateDir, testPlan } from './helpers.js';

const snapshot = (value: string) => ({ status: 'active', value, context: { n: value } }) as never;
const event = (type: 'state', to: string, at = '2026-01-01T00:00:00.000Z'): RunEvent => ({
  type,
  machine: 'plan',
  from: null,
  to,
  at,
  runId: RUN_A,
  seq: 1,
});

describe('RunStore layout', () => {
  it('creates runs/<id>/ with the plan as validated, its text, run.json; snapshot and events on demand', () => {
    const stateDir = tempStateDir();
    const store = new RunStore({ stateDir, now: () => Date.parse('2026-01-01T00:00:00Z') });
    const plan = testPlan();
    const run = store.create(plan, 'version: 1\nname: payments\n', RUN_A);
    const dir = join(stateDir, 'runs', RUN_A);
    expect(JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'))).toEqual(plan);
    expect(readFileSync(join(dir, 'plan.source'), 'utf8')).toBe('version: 1\nname: payments\n');
    expect(run.meta()).toMatchObject({
      runId: RUN_A,
      plan: 'payments',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(run.loadSnapshot()).toBeUndefined();
    run.saveSnapshot(snapshot('a'));
    const file = JSON.parse(readFileSync(join(dir, 'snapshot.json'), 'utf8'));
    expect(file).toMatchObject({
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      machineVersion: 1,
      runId: RUN_A,
      snapshot: { value: 'a' },
    });
    expect(typeof file.savedAt).toBe('string');
    run.appendEvent(event('state', 'running'));
    run.appendEvent(event('state', 'completed'));
    expect(readFileSync(join(dir, 'events.ndjson'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(
      store
        .open(RUN_A)
        .readEvents()
        .map((e) => (e.type === 'state' ? e.to : '')),
    ).toEqual(['running', 'completed']);
    // No temp file is left behind by the atomic writes.
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    run.close();
  });

  it('open() of an unknown run names the state directory; ids cannot leave runs/', () => {
    const store = new RunStore({ stateDir: tempStateDir() });
    expect(() => store.open(RUN_A)).toThrow(RunNotFoundError);
    expect(() => store.open('../etc')).toThrow(/not a run id/);
  });

  it('list() shows id, plan, started, state and outcome, newest first', () => {
    const stateDir = tempStateDir();
    const store = new RunStore({ stateDir });
    const a = store.create(testPlan('payments', [S1]), 'x', RUN_A);
    a.appendEvent({
      type: 'run.started',
      plan: 'payments',
      waves: 1,
      servers: 1,
      simulated: true,
      at: '2026-01-01T00:00:01.000Z',
      runId: RUN_A,
      seq: 1,
    });
    a.appendEvent({ ...event('state', 'running'), runId: RUN_A });
    a.appendEvent({
      type: 'state',
      machine: 'wave',
      wave: 'all',
      from: null,
      to: 'monitoringJob',
      at: '2026-01-01T00:01:00.000Z',
      runId: RUN_A,
      seq: 3,
    });
    const b = store.create(testPlan('reports', ['s-00000000000000009']), 'x', RUN_B);
    b.appendEvent({
      type: 'run.finished',
      outcome: 'completed',
      waves: [],
      at: '2026-01-01T00:02:00.000Z',
      runId: RUN_B,
      seq: 1,
    });
    const list = store.list();
    expect(list.map((r) => r.id)).toEqual([RUN_B, RUN_A]);
    expect(list[1]).toMatchObject({
      id: RUN_A,
      plan: 'payments',
      started: '2026-01-01T00:00:01.000Z',
      state: 'wave all: monitoringJob',
      outcome: null,
    });
    expect(list[1]?.lockedBy).toMatchObject({ runId: RUN_A, pid: process.pid });
    expect(list[0]).toMatchObject({ plan: 'reports', state: 'finished', outcome: 'completed' });
    a.close();
    b.close();
  });
});

describe('atomic snapshot writes', () => {
  it('a torn temp file (crash mid-write) is ignored by readers, and cleaned by the next lock holder', () => {
    const stateDir = tempStateDir();
    const store = new RunStore({ stateDir });
    const run = store.create(testPlan(), 'x', RUN_A);
    run.saveSnapshot(snapshot('old'));
    run.releaseLocks();
    const torn = join(run.dir, '.snapshot.json.0123456789ab.tmp');
    writeFileSync(torn, '{"formatVersion":1,"runId":"run-2026', 'utf8');
    const reopened = store.open(RUN_A);
    expect(reopened.loadSnapshot()).toMatchObject({ value: 'old' });
    // A reader (status, report) leaves it: it may belong to a live process about to rename it.
    expect(existsSync(torn)).toBe(true);
    reopened.lock();
    expect(existsSync(torn)).toBe(false);
    reopened.releaseLocks();
  });

  it('a crash between write and rename leaves the old snapshot readable', () => {
    const stateDir = tempStateDir();
    const run = new RunStore({ stateDir }).create(testPlan(), 'x', RUN_A);
    run.saveSnapshot(snapshot('old'));
    // The complete new file was written and fsynced, but the process died before rename().
    writeFileSync(
      join(run.dir, '.snapshot.json.ffffffffffff.tmp'),
      JSON.stringify({ formatVersion: 1, runId: RUN_A, savedAt: '', snapshot: snapshot('new') }),
    );
    expect(new RunStore({ stateDir }).open(RUN_A).loadSnapshot()).toMatchObject({ value: 'old' });
  });

  it('does not write an unchanged snapshot again', () => {
    const run = new RunStore({ stateDir: tempStateDir() }).create(testPlan(), 'x', RUN_A);
    run.saveSnapshot(snapshot('a'));
    const first = readFileSync(run.snapshotPath, 'utf8');
    run.saveSnapshot(snapshot('a'));
    expect(readFileSync(run.snapshotPath, 'utf8')).toBe(first);
  });
});

describe('snapshot format', () => {
  it('refuses a snapshot of a newer format with a clear message, reading nothing of it', () => {
    const stateDir = tempStateDir();
    const run = new RunStore({ stateDir }).create(testPlan(), 'x', RUN_A);
    writeFileSync(
      run.snapshotPath,
      JSON.stringify({ formatVersion: 4, runId: RUN_A, snapshot: { future: true } }),
    );
    expect(() => run.loadSnapshot()).toThrow(SnapshotFormatError);
    expect(() => run.loadSnapshot()).toThrow(
      /snapshot\.json format 4 is newer than this drs-failback understands \(3\); upgrade/,
    );
  });

  it.each([
    ['no version', JSON.stringify({ runId: RUN_A, snapshot: {} }), /no formatVersion/],
    ['not JSON', '{"formatVersion":1,', /not valid JSON/],
    [
      'another run',
      JSON.stringify({ formatVersion: 1, runId: RUN_B, snapshot: { status: 'active' } }),
      /belongs to run/,
    ],
    ['no snapshot', JSON.stringify({ formatVersion: 1, runId: RUN_A }), /holds no machine snapshot/],
  ])('refuses a snapshot with %s', (_label, text, message) => {
    const run = new RunStore({ stateDir: tempStateDir() }).create(testPlan(), 'x', RUN_A);
    writeFileSync(run.snapshotPath, text);
    expect(() => run.loadSnapshot()).toThrow(message);
  });
});

describe('event log', () => {
  it('skips a line torn by a crash and starts the next event on a fresh line', () => {
    const stateDir = tempStateDir();
    const store = new RunStore({ stateDir });
    const run = store.create(testPlan(), 'x', RUN_A);
    run.appendEvent(event('state', 'running'));
    run.close();
    writeFileSync(run.eventsPath, `${readFileSync(run.eventsPath, 'utf8')}{"type":"aws.requ`);
    const again = store.open(RUN_A);
    again.appendEvent(event('state', 'completed'));
    const log = again.readEventLog();
    expect(log.damagedLines).toBe(1);
    expect(log.events.map((e) => (e.type === 'state' ? e.to : e.type))).toEqual(['running', 'completed']);
    again.close();
  });
});

describe('what is saved', () => {
  it('never replaces the resumable snapshot with the stopped one an actor reports when stopped', () => {
    const run = new RunStore({ stateDir: tempStateDir() }).create(testPlan(), 'x', RUN_A);
    run.saveSnapshot(snapshot('live'));
    run.saveSnapshot({ status: 'stopped', value: {}, context: {} } as never);
    run.saveSnapshot({ status: 'error', value: {}, context: {} } as never);
    expect(run.loadSnapshot()).toMatchObject({ status: 'active', value: 'live' });
  });
});
