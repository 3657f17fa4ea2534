import type { RegionalClients } from '../aws/clients.js';
import type { ActorDeps } from './types.js';

/** The clients for `region`: the DR region's own when it is the DR region or no factory is given. */
export function clientsFor(deps: ActorDeps, region: string | undefined): RegionalClients {
  if (region === undefined || deps.regional === undefined) {
    return {
      drs: deps.drs,
      ec2: deps.ec2,
      ...(deps.serviceQuotas ? { serviceQuotas: deps.serviceQuotas } : {}),
    };
  }
  return deps.regional(region);
}
