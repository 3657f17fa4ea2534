// ids: every id of the wave is well formed and no server appears twice; a malformed id never
// reaches AWS (the precheck stops here when this check fails).
import { ID_PATTERNS, isEc2InstanceId, isSourceServerId } from '../aws/ids.js';
import type { CheckOutcome, Precheck } from './types.js';

export const IDS = 'ids';

export type IdsData = {
  /** `servers` (the wave has none), `sourceServerID` or `verify.ec2InstanceId`. */
  field: 'servers' | 'sourceServerID' | 'verify.ec2InstanceId';
  problem: 'empty' | 'malformed' | 'duplicate';
  /** The offending value (absent for an empty wave). */
  value?: string;
  /** The pattern a malformed value does not match. */
  pattern?: string;
};

export const ids: Precheck<typeof IDS, IdsData> = {
  name: IDS,
  evaluate({ input }) {
    const out: CheckOutcome<IdsData>[] = [];
    if (input.servers.length === 0) {
      out.push({
        server: '*',
        status: 'fail',
        detail: 'the wave has no servers',
        data: { field: 'servers', problem: 'empty' },
      });
    }
    const seen = new Set<string>();
    for (const server of input.servers) {
      const id = server.sourceServerID;
      if (!isSourceServerId(id)) {
        const pattern = ID_PATTERNS.sourceServerID.source;
        out.push({
          server: id,
          status: 'fail',
          detail: `sourceServerID '${id}' does not match ${pattern}`,
          data: { field: 'sourceServerID', problem: 'malformed', value: id, pattern },
        });
      } else if (seen.has(id)) {
        out.push({
          server: id,
          status: 'fail',
          detail: `sourceServerID ${id} appears more than once in the wave`,
          data: { field: 'sourceServerID', problem: 'duplicate', value: id },
        });
      }
      seen.add(id);
      const ec2Id = server.verify?.ec2InstanceId;
      if (ec2Id !== undefined && !isEc2InstanceId(ec2Id)) {
        const pattern = ID_PATTERNS.ec2InstanceID.source;
        out.push({
          server: id,
          status: 'fail',
          detail: `verify.ec2InstanceId '${ec2Id}' does not match ${pattern}`,
          data: { field: 'verify.ec2InstanceId', problem: 'malformed', value: ec2Id, pattern },
        });
      }
    }
    return out;
  },
};
