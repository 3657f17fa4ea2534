// The generated definitions: committed, in step with the machines, valid ASL, JSONPath only,
// every Task bounded by a timeout and retried with jitter.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { exportSfn } from '../../src/cli/commands/export-sfn.js';
import {
  type AslDefinition,
  type AslState,
  generateAsl,
  generateAslFiles,
  PLACEHOLDERS,
  stepOf,
} from '../../src/sfn/asl.js';
import { leavesOfMachine, type MachineName } from '../../src/sfn/structure.js';

const MACHINE_NAMES: MachineName[] = ['wave', 'plan'];
const committed = (name: string) => readFileSync(join(import.meta.dirname, '../../docs/sfn', name), 'utf8');

function tasks(definition: AslDefinition): [string, AslState][] {
  return Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
}

describe('generated ASL', () => {
  for (const [name, text] of Object.entries(generateAslFiles())) {
    it(`docs/sfn/${name} matches the machines (run "drs-failback export sfn --out docs/sfn")`, () => {
      expect(committed(name)).toBe(text);
    });
  }

  describe.each(MACHINE_NAMES)('%s', (machine) => {
    const definition = generateAsl(machine);

    it('passes asl-validator', () => {
      const result = aslValidator(structuredClone(definition));
      expect(result.errors).toEqual([]);
      expect(result.isValid).toBe(true);
    });

    it('has one state per leaf, named by its dotted path, and a step after each non-final one', () => {
      for (const leaf of leavesOfMachine(machine)) {
        if (leaf.what.kind === 'transient') {
          expect(definition.States[leaf.path]).toBeUndefined();
          continue;
        }
        const state = definition.States[leaf.path];
        expect(state, leaf.path).toBeDefined();
        const expected = {
          invoke: 'Task',
          execution: 'Task',
          executions: 'Map',
          approval: 'Task',
          wait: 'Wait',
          final: 'Succeed',
        };
        // A wait DRS's events can end is a callback Task: a Wait state cannot be ended from outside.
        const woken = leaf.what.kind === 'wait' && leaf.what.wokenByEvents;
        expect(state?.Type).toBe(woken ? 'Task' : expected[leaf.what.kind]);
        if (leaf.what.kind !== 'final') expect(definition.States[stepOf(leaf.path)]?.Type).toBe('Task');
      }
    });

    it('bounds every Task by a timeout and retries it with full jitter', () => {
      for (const [name, state] of tasks(definition)) {
        expect(state.TimeoutSeconds ?? state.TimeoutSecondsPath, name).toBeDefined();
        const retriers = state.Retry as { JitterStrategy?: string }[];
        expect(retriers.length, name).toBeGreaterThan(0);
        for (const r of retriers) expect(r.JitterStrategy, name).toBe('FULL');
      }
    });

    it('is JSONPath only: no JSONata, no Assign', () => {
      const text = JSON.stringify(definition);
      expect(text).not.toContain('{%');
      expect(text).not.toContain('"Assign"');
      expect(text).not.toContain('"QueryLanguage"');
      expect(text).not.toContain('"Arguments"');
    });
  });

  it('catches an activity failure into the step, which sends the actor error event', () => {
    const polling = generateAsl('wave').States['monitoringJob.polling'];
    expect(polling?.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.outcome', Next: 'monitoringJob.polling/step' },
    ]);
  });

  it('gives approvals a task token and the machine deadline as their timeout', () => {
    const approval = generateAsl('wave').States.awaitingApproval;
    expect(approval?.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(approval?.TimeoutSecondsPath).toBe('$.command.timeoutSeconds');
    expect(JSON.stringify(approval?.Parameters)).toContain('$$.Task.Token');
  });

  it('makes the job poll wait a callback Task: the poll delay its timeout, its timeout caught into the step', () => {
    const woken = leavesOfMachine('wave').filter((l) => l.what.kind === 'wait' && l.what.wokenByEvents);
    expect(woken.map((l) => l.path)).toEqual(['monitoringJob.waiting']);
    const wait = generateAsl('wave').States['monitoringJob.waiting'];
    expect(wait?.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(wait?.TimeoutSecondsPath).toBe('$.command.timeoutSeconds');
    expect(JSON.stringify(wait?.Parameters)).toContain(PLACEHOLDERS.wait);
    expect(JSON.stringify(wait?.Parameters)).toContain('$$.Task.Token');
    expect(wait?.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.outcome', Next: 'monitoringJob.waiting/step' },
    ]);
    // Its step hears how it ended (timeout or WAKE); a Wait state's step is told `after`.
    const step = generateAsl('wave').States['monitoringJob.waiting/step'];
    expect(JSON.stringify(step?.Parameters)).toContain('"outcome.$":"$.outcome"');
    // Every other wait stays a Wait state.
    expect(generateAsl('wave').States['verifying.waiting']?.Type).toBe('Wait');
  });

  it('`export sfn` writes both definitions', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sfn-export-'));
    const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: {} };
    const written = await exportSfn({ what: 'sfn', out }, io);
    expect(written.map((p) => p.slice(out.length + 1))).toEqual(['plan.asl.json', 'wave.asl.json']);
    expect(readFileSync(join(out, 'wave.asl.json'), 'utf8')).toBe(generateAslFiles()['wave.asl.json']);
  });
});
