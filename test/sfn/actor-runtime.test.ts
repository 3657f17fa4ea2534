// The actor Lambda around the activities: a mutating call's aws.request is in the run's log
// before the call goes out, a recorded abort refuses a point-of-no-return call, and the plan's
// member-account roles are assumed (STS AssumeRole with the role and external id) for the clients.
import {
  DescribeJobsCommand,
  DrsClient,
  StartFailbackLaunchCommand,
  StopFailbackCommand,
} from '@aws-sdk/client-drs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FailbackActivities } from '../../src/actors/types.js';
import type { CredentialProvider } from '../../src/aws/assume-role.js';
import { instrumentClient } from '../../src/aws/instrument.js';
import type { Plan } from '../../src/plan/types.js';
import { createRoleClients, createRunActorHandler, writingAhead } from '../../src/sfn/actor-runtime.js';
import { appendEvents, readEvents } from '../../src/sfn/event-log.js';
import { abortOf, recordRun, requestAbort } from '../../src/sfn/runs.js';
import type { WaitTarget } from '../../src/sfn/waker.js';
import { createFakeRunTable } from '../support/fake-run-table.js';

const RUN = 'run-20260301T020000Z-abcdef';
const clock = { now: () => Date.parse('2026-03-01T02:00:00Z'), setTimeout, clearTimeout };

function harness() {
  const fake = createFakeRunTable();
  const deps = { ddb: fake as never, table: 'runs', clock };
  const sent: string[] = [];
  const logAtSend: string[][] = [];
  // The raw DRS client: records what reached it and what the log held at that moment.
  const raw = {
    send: async (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      logAtSend.push(
        (await readEvents(deps, RUN)).flatMap((e) => (e.type === 'aws.request' ? [e.operation] : [])),
      );
      return { items: [], job: { jobID: 'drsjob-1' } };
    },
  };
  const handler = createRunActorHandler({
    clock,
    append: (runId, events) => appendEvents(deps, runId, events),
    abortOf: (runId) => abortOf(deps, runId),
    activitiesFor: ({ emit, beforeSend, writeAhead }) => {
      const drs = instrumentClient(writingAhead(raw as unknown as DrsClient, writeAhead), {
        service: 'drs',
        region: 'us-east-1',
        emit,
        beforeSend,
      });
      return {
        startFailback: async () => {
          await drs.send(new DescribeJobsCommand({}));
          await drs.send(new StartFailbackLaunchCommand({ recoveryInstanceIDs: ['i-0123456789abcdef0'] }));
          return { started: true };
        },
      } as unknown as FailbackActivities;
    },
  });
  return { deps, handler, sent, logAtSend };
}

const record = (deps: Parameters<typeof recordRun>[0]) =>
  recordRun(deps, { runId: RUN, engine: 'sfn', executionArn: 'arn', plan: 'p', startedAt: 't' });

describe('the actor Lambda', () => {
  it('writes a mutating call ahead: its aws.request is in the log before it is sent', async () => {
    const { deps, handler, sent, logAtSend } = harness();
    await record(deps);
    await handler({ actor: 'startFailback', input: { runId: RUN } });
    expect(sent).toEqual(['DescribeJobsCommand', 'StartFailbackLaunchCommand']);
    // The read was not written ahead; the mutating call was, with the read before it.
    expect(logAtSend[0]).toEqual([]);
    expect(logAtSend[1]).toEqual(['DescribeJobs', 'StartFailbackLaunch']);
    const types = (await readEvents(deps, RUN)).map((e) => e.type);
    expect(types).toEqual(['aws.request', 'aws.response', 'aws.request', 'aws.response']);
  });

  it('an abort recorded before the point of no return refuses StartFailbackLaunch: not sent, not logged as sent', async () => {
    const { deps, handler, sent } = harness();
    await record(deps);
    await requestAbort(deps, RUN, { by: 'alice', reason: 'not ready' });
    await expect(handler({ actor: 'startFailback', input: { runId: RUN } })).rejects.toMatchObject({
      name: 'StopRequestedError',
      message: expect.stringContaining('alice asked to abort the run before StartFailbackLaunch'),
    });
    expect(sent).toEqual(['DescribeJobsCommand']);
    const operations = (await readEvents(deps, RUN)).flatMap((e) =>
      e.type === 'aws.request' ? [e.operation] : [],
    );
    expect(operations).toEqual(['DescribeJobs']);
  });
});

describe('the actor Lambda registers each launch for wake-ups (events wake the waits)', () => {
  function launching(register: (target: WaitTarget, resources: readonly string[]) => Promise<void>) {
    const errors: unknown[] = [];
    const raw = { send: async () => ({ job: { jobID: 'drsjob-1' } }) };
    const handler = createRunActorHandler({
      clock,
      waits: { register, onError: (error) => errors.push(error) },
      activitiesFor: ({ emit, beforeSend, writeAhead }) => {
        const drs = instrumentClient(writingAhead(raw as unknown as DrsClient, writeAhead), {
          service: 'drs',
          region: 'us-east-1',
          emit,
          beforeSend,
        });
        return {
          startFailback: async () => {
            await drs.send(new DescribeJobsCommand({}));
            await drs.send(
              new StartFailbackLaunchCommand({
                recoveryInstanceIDs: ['i-0123456789abcdef0', 'i-0123456789abcdef1'],
                tags: { 'drs-failback:run': RUN, 'drs-failback:wave': 'db' },
              }),
            );
            return { started: true };
          },
        } as unknown as FailbackActivities;
      },
    });
    return { handler, errors };
  }

  it("registers the launch's recovery instances under its wave before the activity returns", async () => {
    const registered: [WaitTarget, readonly string[]][] = [];
    const { handler, errors } = launching(async (target, resources) => {
      await Promise.resolve();
      registered.push([target, resources]);
    });
    await handler({ actor: 'startFailback', input: { runId: RUN } });
    expect(registered).toEqual([
      [
        { runId: RUN, wave: 'db' },
        ['recovery-instance/i-0123456789abcdef0', 'recovery-instance/i-0123456789abcdef1'],
      ],
    ]);
    expect(errors).toEqual([]);
  });

  it('a registry it cannot write is reported, and the launch stands (the wave polls)', async () => {
    const { handler, errors } = launching(async () => {
      throw new Error('DynamoDB unavailable');
    });
    await expect(handler({ actor: 'startFailback', input: { runId: RUN } })).resolves.toEqual({
      started: true,
    });
    expect(errors).toHaveLength(1);
  });
});

describe('when the run table cannot be written', () => {
  function failing(operation: 'StartFailbackLaunch' | 'StopFailback') {
    const sent: string[] = [];
    const errors: unknown[] = [];
    const raw = {
      send: async (command: { constructor: { name: string } }) => {
        sent.push(command.constructor.name);
        return {};
      },
    };
    const handler = createRunActorHandler({
      clock,
      append: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
      onLogError: (error) => errors.push(error),
      activitiesFor: ({ emit, beforeSend, writeAhead }) => {
        const drs = instrumentClient(writingAhead(raw as unknown as DrsClient, writeAhead), {
          service: 'drs',
          region: 'us-east-1',
          emit,
          beforeSend,
        });
        const command =
          operation === 'StartFailbackLaunch'
            ? new StartFailbackLaunchCommand({ recoveryInstanceIDs: ['i-0123456789abcdef0'] })
            : new StopFailbackCommand({ recoveryInstanceID: 'i-0123456789abcdef0' });
        const run = async () => {
          await drs.send(command as never);
          return { done: true };
        };
        return { startFailback: run, stopFailback: run } as unknown as FailbackActivities;
      },
    });
    return { handler, sent, errors };
  }

  it('a point-of-no-return call whose intent cannot be logged is not sent (the wave ends before it)', async () => {
    const { handler, sent } = failing('StartFailbackLaunch');
    await expect(handler({ actor: 'startFailback', input: { runId: RUN } })).rejects.toMatchObject({
      name: 'StopRequestedError',
    });
    expect(sent).toEqual([]);
  });

  it("a backout's StopFailback goes out regardless; the activity's result stands", async () => {
    const { handler, sent, errors } = failing('StopFailback');
    await expect(handler({ actor: 'stopFailback', input: { runId: RUN } })).resolves.toEqual({ done: true });
    expect(sent).toEqual(['StopFailbackCommand']);
    expect(errors.length).toBeGreaterThan(0);
  });
});

describe('member-account roles', () => {
  const sts = mockClient(STSClient);
  beforeEach(() => {
    sts.reset();
    sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }) => ({
      Credentials: {
        AccessKeyId: `AKIA-${input.RoleArn.split(':')[4]}`,
        SecretAccessKey: 'secret',
        SessionToken: 'session',
        Expiration: new Date('2026-03-01T03:00:00Z'),
      },
    }));
  });
  const plan = {
    region: 'us-east-1',
    aws: {
      role: { arn: 'arn:aws:iam::111122223333:role/drs-failback-member', externalId: 'ext-dr' },
      origins: {
        'us-west-2': {
          role: { arn: 'arn:aws:iam::444455556666:role/drs-failback-member', externalId: 'ext-o' },
        },
      },
    },
  } as Pick<Plan, 'region' | 'aws'>;
  const clientsFor = () =>
    createRoleClients({
      make: (region, credentials) => ({
        drs: new DrsClient({ region, ...(credentials ? { credentials } : {}) }),
        ec2: new DrsClient({ region }) as never,
      }),
      sts: (region) => new STSClient({ region }),
      now: clock.now,
    });
  const credentialsOf = async (client: unknown) =>
    (client as DrsClient).config.credentials({} as never).catch(() => null);

  it("the DR region's clients act as the plan's aws.role, assumed with its external id", async () => {
    const clients = clientsFor()(plan, 'us-east-1')('us-east-1');
    expect(await credentialsOf(clients.drs)).toMatchObject({
      accessKeyId: 'AKIA-111122223333',
      sessionToken: 'session',
    });
    const call = sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input;
    expect(call).toEqual({
      RoleArn: 'arn:aws:iam::111122223333:role/drs-failback-member',
      ExternalId: 'ext-dr',
      RoleSessionName: 'drs-failback',
    });
  });

  it('an origin region with its own role assumes that one; clients are built once per region and role', async () => {
    const forPlan = clientsFor()(plan, 'us-east-1');
    const west = forPlan('us-west-2');
    expect(forPlan('us-west-2')).toBe(west);
    expect(await credentialsOf(west.drs)).toMatchObject({ accessKeyId: 'AKIA-444455556666' });
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.ExternalId)).toEqual(['ext-o']);
  });

  it('a plan without roles: the Lambda role itself, no AssumeRole', async () => {
    const clients = clientsFor()({ region: 'us-east-1' }, 'us-east-1')('us-east-1');
    expect(clients.drs).toBeDefined();
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  describe('a wave in another aws.accounts account or DR region', () => {
    const B = '777788889999';
    const memberB = { arn: `arn:aws:iam::${B}:role/drs-failback-member`, externalId: 'ext-b' };
    const estatePlan = { ...plan, aws: { ...plan.aws, accounts: { b: { accountId: B, role: memberB } } } };
    const targetB = { account: 'b', accountId: B, region: 'eu-west-1', role: memberB };
    let now = clock.now();
    const stsRegions: string[] = [];
    /** The credential provider each made client got, in order. */
    const made: (CredentialProvider | undefined)[] = [];
    const clientsAt = () =>
      createRoleClients({
        make: (region, credentials) => {
          made.push(credentials);
          return {
            drs: new DrsClient({ region, ...(credentials ? { credentials } : {}) }),
            ec2: new DrsClient({ region }) as never,
          };
        },
        sts: (region) => {
          stsRegions.push(region);
          return new STSClient({ region });
        },
        now: () => now,
      })(estatePlan, 'us-east-1');
    beforeEach(() => {
      now = clock.now();
      stsRegions.length = 0;
      made.length = 0;
    });
    const regionOf = (client: unknown) => (client as DrsClient).config.region();
    const assumed = () => sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);

    it("account B's wave assumes B's role with B's external id, through STS in its region", async () => {
      const b = clientsAt().forTarget(targetB);
      expect(await credentialsOf(b.drs)).toMatchObject({ accessKeyId: `AKIA-${B}` });
      expect(await regionOf(b.drs)).toBe('eu-west-1');
      expect(assumed()).toEqual([
        { RoleArn: memberB.arn, ExternalId: 'ext-b', RoleSessionName: 'drs-failback' },
      ]);
      expect(stsRegions).toEqual(['eu-west-1']);
      // Another region of account B (an EC2 origin there) acts as B's role too.
      expect(await credentialsOf(b.forRegion?.('us-west-2').drs)).toMatchObject({ accessKeyId: `AKIA-${B}` });
    });

    it("a wave in the plan's account (another region) acts as aws.role, never as B's role", async () => {
      const home = clientsAt().forTarget({ region: 'eu-west-1' });
      expect(await credentialsOf(home.drs)).toMatchObject({ accessKeyId: 'AKIA-111122223333' });
      expect(await regionOf(home.drs)).toBe('eu-west-1');
      expect(assumed().map((c) => c.RoleArn)).toEqual(['arn:aws:iam::111122223333:role/drs-failback-member']);
      expect(assumed().map((c) => c.ExternalId)).toEqual(['ext-dr']);
    });

    it('a plan without roles: a wave in its own account uses the Lambda role, no AssumeRole', async () => {
      const own = createRoleClients({
        make: (region, credentials) => ({
          drs: new DrsClient({ region, ...(credentials ? { credentials } : {}) }),
          ec2: new DrsClient({ region }) as never,
        }),
        sts: (region) => new STSClient({ region }),
      })({ region: 'us-east-1' }, 'us-east-1').forTarget({ region: 'eu-west-1' });
      expect(own.drs).toBeDefined();
      expect(assumed()).toHaveLength(0);
    });

    it("an account entry without a role acts as the plan's aws.role", async () => {
      const c = clientsAt().forTarget({ account: 'c', accountId: '121212121212', region: 'us-east-1' });
      expect(await credentialsOf(c.drs)).toMatchObject({ accessKeyId: 'AKIA-111122223333' });
      expect(assumed().map((x) => x.ExternalId)).toEqual(['ext-dr']);
    });

    it('clients are cached per target for the container; credentials renewed five minutes before they expire', async () => {
      const forPlan = clientsAt();
      const b = forPlan.forTarget(targetB);
      expect(forPlan.forTarget(targetB).drs).toBe(b.drs);
      expect(made).toHaveLength(1);
      const credentials = made[0];
      if (!credentials) throw new Error("B's clients were made without credentials");
      await credentials();
      await credentials();
      expect(assumed()).toHaveLength(1);
      // Expiration 03:00Z: just before 02:55Z still cached, just after it assumed again.
      now = Date.parse('2026-03-01T02:55:00Z') - 1;
      await credentials();
      expect(assumed()).toHaveLength(1);
      now = Date.parse('2026-03-01T02:55:00Z') + 1;
      await credentials();
      expect(assumed()).toHaveLength(2);
    });
  });
});
