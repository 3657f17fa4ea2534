// The activities of one actor Lambda invocation: each wave's calls go to its own account's and
// region's clients, routed as the in-process engine routes them (src/run/targets.ts), every call
// instrumented into the invocation's events and every mutating call written ahead to the run's log.
import { createAwsActors } from '../actors/index.js';
import type { ActorDeps, FailbackActivities } from '../actors/types.js';
import type { AwsClients, RegionalClients, TargetClients } from '../aws/clients.js';
import { instrumentAwsClients } from '../aws/instrument.js';
import { targetKey } from '../plan/targets.js';
import type { Plan } from '../plan/types.js';
import { emitNamingAccount, planActivities } from '../run/targets.js';
import { type InvocationIO, writingAhead } from './actor-runtime.js';

export interface ActorActivitiesOptions {
  /** The run's plan (absent: its record could not tell; every call acts at home). */
  plan: Plan | undefined;
  /** The plan's DR region: the home target's. */
  drRegion: string;
  /** The home target's clients, with `forRegion` and `forTarget` for the others. */
  clients: AwsClients;
  io: Pick<InvocationIO, 'emit' | 'beforeSend' | 'writeAhead'>;
  /** The rest of the activities' dependencies, the same for every target. */
  actors: Omit<ActorDeps, 'drs' | 'ec2' | 'regional' | 'serviceQuotas' | 'emit' | 'quotaReads'>;
  /**
   * DRS's quotas read so far, per target (`<account name>/<region>`): each account and region
   * has its own, and the activities key the DR region's as '' whatever the target.
   */
  quotaReadsOf?: (target: string) => NonNullable<ActorDeps['quotaReads']>;
}

/** The activities of one invocation, over each wave's target's clients. */
export function actorActivities(options: ActorActivitiesOptions): FailbackActivities {
  const { io } = options;
  const ahead = <T extends RegionalClients>(c: T): T => ({
    ...c,
    drs: writingAhead(c.drs, io.writeAhead),
    ec2: writingAhead(c.ec2, io.writeAhead),
  });
  const over = (clients: TargetClients, region: string, account?: string): FailbackActivities => {
    const emit = emitNamingAccount(io.emit, account);
    const { forRegion } = clients;
    const { drs, ec2, regional, serviceQuotas } = instrumentAwsClients(
      { ...ahead(clients), ...(forRegion ? { forRegion: (r: string) => ahead(forRegion(r)) } : {}) },
      region,
      emit,
      io.beforeSend,
    );
    const quotaReads = options.quotaReadsOf?.(targetKey({ region, ...(account ? { account } : {}) }));
    return createAwsActors({
      ...options.actors,
      drs,
      ec2,
      ...(regional ? { regional } : {}),
      ...(serviceQuotas ? { serviceQuotas } : {}),
      ...(quotaReads ? { quotaReads } : {}),
      emit,
    });
  };
  return options.plan
    ? planActivities(options.plan, options.drRegion, options.clients, over)
    : over(options.clients, options.drRegion);
}
