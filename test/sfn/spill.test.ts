// Snapshots too large for a state payload travel by reference: the run is unchanged, payloads
// stay small, and the DynamoDB store keeps them gzipped under the item limit.
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/plan/load.js';
import { createDynamoSnapshotStore, createMemorySnapshotStore } from '../../src/sfn/spill.js';
import type { StoredSnapshot } from '../../src/sfn/step.js';
import { createSimulatedAws } from '../../src/sim/index.js';
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
    expect(spilled.traces).toEqual(inline.traces);
    expect(normalizeMintedIds(spilled.requests)).toEqual(normalizeMintedIds(inline.requests));
    expect(normalizeMintedIds(spilled.outcome)).toEqual(normalizeMintedIds(inline.outcome));
    expect(largestPayload(spilled)).toBeLessThan(largestPayload(inline));
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
});
