// source-server: DRS knows every source server of the wave in the DR region.
import { readFailedOutcome } from './read-failure.js';
import { waveServerIds } from './resolve.js';
import type { Precheck, ReadFailedData } from './types.js';

export const SOURCE_SERVER = 'source-server';

export type SourceServerData = { sourceServerId: string; found: boolean } | ReadFailedData;

export const sourceServer: Precheck<typeof SOURCE_SERVER, SourceServerData> = {
  name: SOURCE_SERVER,
  evaluate(reads) {
    const read = reads.sourceServers;
    if (!read) return [];
    if (!read.ok) return [readFailedOutcome('*', read.error, 'DescribeSourceServers')];
    return waveServerIds(reads).map((id) =>
      read.value.has(id)
        ? {
            server: id,
            status: 'pass',
            detail: `source server ${id} found`,
            data: { sourceServerId: id, found: true },
          }
        : {
            server: id,
            status: 'fail',
            detail: `source server ${id} not found in this region`,
            data: { sourceServerId: id, found: false },
          },
    );
  },
};
