// Snapshots too large for a state payload travel by reference: the run is unchanged, payloads
// stay small, and the DynamoDB store keeps them gzipped under the item limit.
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/plan/load.js';
import {
  createDynamoSnapshotStore,
  createMemorySnapshotStore,
  DEFAULT_MAX_INLINE_BYTES,
  keepState,
  loadRequest,
  type WireRequest,
} from '../../src/sfn/spill.js';
import type { StepState, StoredSnapshot } from '../../src/sfn/step.js';
import { createSimulatedAws } from '../../src/sim/index.js';
import { createFakeRunTable } from '../support/fake-run-table.js';
import { normalizeMintedIds, runOnLocalStepFunctions } from './local-engine.js';

const largestPayload = (run: Awaited<ReturnType<typeof runOnLocalStepFunctions>>) =>
  Math.max(
    ...run.executions.flatMap((e) =>
      e.log.flatMap((ev) => (ev.type === 'StateEntered' ? [JSON.stringify(ev.state.input).length] : [])),
    ),
  );

describe('spilled snapshots', () => {
  it('mixed-wave with a 512-byte inline limit: every snapshot spilled, the run unchanged', async () => {
    const plan = await loadPlan('examples/mixed-wave/plan.yaml');
    const scenario = 'examples/mixed-wave/scenario.yaml';
    const inline = await runOnLocalStepFunctions(plan, createSimulatedAws(scenario));
    const store = createMemorySnapshotStore();
    const spilled = await runOnLocalStepFunctions(plan, createSimulatedAws(scenario), {
      spill: { store, maxInlineBytes: 512 },
    });
    expect(store.size()).toBeGreaterThan(5);
    // The wave's output left its execution by reference too.
    expect(store.keys().some((k) => k.startsWith('output#'))).toBe(true);
    expect(spilled.traces).toEqual(inline.traces);
    expect(normalizeMintedIds(spilled.requests)).toEqual(normalizeMintedIds(inline.requests));
    expect(normalizeMintedIds(spilled.outcome)).toEqual(normalizeMintedIds(inline.outcome));
    expect(largestPayload(spilled)).toBeLessThan(largestPayload(inline));
  });

  it("a 1,000-server wave's output (over 256 KiB) leaves its execution by reference and enters the plan's step whole", async () => {
    const launched = Array.from({ length: 1000 }, (_, i) => ({
      sourceServerID: `s-${String(i).padStart(17, '0')}`,
      recoveryInstanceID: `i-${String(i).padStart(17, '0')}`,
      launchStatus: 'LAUNCHED',
      jobID: `drsjob-${String(i).padStart(17, '0')}`,
      detail: 'x'.repeat(200),
    }));
    const output = { name: 'big', outcome: 'completed', failure: null, jobIds: [], backout: null, launched };
    expect(JSON.stringify(output).length).toBeGreaterThan(256 * 1024);
    const store = createMemorySnapshotStore();
    const snapshot: StoredSnapshot = { status: 'done', value: 'completed', context: {}, output };
    const state: StepState = {
      machine: 'wave',
      snapshot,
      command: { kind: 'done', state: 'completed', output },
      history: { events: 10, limit: 20_000 },
    };
    const wire = await keepState(store, state, DEFAULT_MAX_INLINE_BYTES);
    // What the Succeed state emits and the parent's Task receives: a reference, not the output.
    expect(wire.command).toMatchObject({
      kind: 'done',
      output: { spilled: expect.stringMatching(/^output#/) },
    });
    expect(JSON.stringify(wire).length).toBeLessThan(2048);
    const planRequest = {
      machine: 'plan',
      snapshot: { status: 'active', value: { running: 'wave' }, context: { runId: 'r' } },
      command: {
        kind: 'execution',
        state: 'running.wave',
        invokeId: 'wave',
        machine: 'wave',
        input: { input: {} },
      },
      history: { events: 10, limit: 20_000 },
      outcome: { kind: 'done', output: (wire.command as { output: unknown }).output },
    } as WireRequest;
    const loaded = await loadRequest(store, planRequest);
    expect('outcome' in loaded && loaded.outcome).toEqual({ kind: 'done', output });
  });

  it('the DynamoDB store writes gzip and reads it back', async () => {
    const ddb = mockClient(DynamoDBClient);
    const store = createDynamoSnapshotStore({ ddb: new DynamoDBClient({}), table: 'runs' });
    const snapshot: StoredSnapshot = {
      status: 'active',
      value: 'precheck',
      context: { servers: Array.from({ length: 1000 }, (_, i) => ({ sourceServerID: `s-${i}` })) },
    };
    ddb.on(PutItemCommand).resolves({});
    await store.put('snapshot#k', snapshot);
    const body = ddb.commandCalls(PutItemCommand)[0]?.args[0].input.Item?.body?.B;
    expect(body).toBeInstanceOf(Uint8Array);
    expect(body?.length ?? Infinity).toBeLessThan(JSON.stringify(snapshot).length / 4);
    ddb.on(GetItemCommand).resolves({ Item: { body: { B: body ?? new Uint8Array() } } });
    expect(await store.get('snapshot#k')).toEqual(snapshot);
  });

  it('above the part size the gzip is split into parts, each its own item, and read back whole', async () => {
    const fake = createFakeRunTable();
    const partBytes = 1024;
    const store = createDynamoSnapshotStore({
      ddb: fake as unknown as DynamoDBClient,
      table: 'runs',
      partBytes,
    });
    const snapshot: StoredSnapshot = {
      status: 'active',
      value: 'precheck',
      // Distinct ids: gzip cannot fold them into one part.
      context: {
        servers: Array.from({ length: 2000 }, (_, i) => ({
          sourceServerID: `s-${((i * 2654435761) % 2 ** 32).toString(16).padStart(17, '0')}`,
        })),
      },
    };
    await store.put('snapshot#big', snapshot);
    const items = fake.items().filter((i) => i.pk?.S === 'snapshot#big');
    const head = items.find((i) => i.sk?.S === 'snapshot');
    const parts = Number(head?.parts?.N);
    expect(parts).toBeGreaterThan(2);
    expect(items).toHaveLength(parts);
    for (const item of items) expect(item.body?.B?.length ?? Infinity).toBeLessThanOrEqual(partBytes);
    expect(await store.get('snapshot#big')).toEqual(snapshot);
    // One part lost: the read fails loudly instead of answering with half a snapshot.
    const survivor = createFakeRunTable();
    for (const item of items.filter((i) => i.sk?.S !== 'snapshot#part#0002'))
      await survivor.send(new PutItemCommand({ TableName: 'runs', Item: item }));
    const broken = createDynamoSnapshotStore({ ddb: survivor as unknown as DynamoDBClient, table: 'runs' });
    await expect(broken.get('snapshot#big')).rejects.toThrow(/part 2 of/);
  });

  it('a whole run spilling into 256-byte parts is unchanged', async () => {
    const plan = await loadPlan('examples/mixed-wave/plan.yaml');
    const scenario = 'examples/mixed-wave/scenario.yaml';
    const inline = await runOnLocalStepFunctions(plan, createSimulatedAws(scenario));
    const fake = createFakeRunTable();
    const store = createDynamoSnapshotStore({
      ddb: fake as unknown as DynamoDBClient,
      table: 'spilled',
      partBytes: 256,
    });
    const spilled = await runOnLocalStepFunctions(plan, createSimulatedAws(scenario), {
      spill: { store, maxInlineBytes: 512 },
    });
    expect(fake.items().some((i) => i.sk?.S === 'snapshot#part#0002')).toBe(true);
    expect(spilled.traces).toEqual(inline.traces);
    expect(normalizeMintedIds(spilled.requests)).toEqual(normalizeMintedIds(inline.requests));
    expect(normalizeMintedIds(spilled.outcome)).toEqual(normalizeMintedIds(inline.outcome));
  });
});
