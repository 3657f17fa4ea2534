import {
  DescribeJobLogItemsCommand,
  DescribeJobsCommand,
  type DescribeJobsRequestFilters,
  type Job,
  type JobLog,
} from '@aws-sdk/client-drs';
import type { DrsSender } from '../aws/clients.js';
import { collectPages } from './paginate.js';

/** DescribeJobs, all pages. */
export async function describeJobs(drs: DrsSender, filters: DescribeJobsRequestFilters): Promise<Job[]> {
  return collectPages(async (nextToken) => {
    const out = await drs.send(new DescribeJobsCommand({ filters, nextToken }));
    return { items: out.items, nextToken: out.nextToken };
  });
}

/** DescribeJobLogItems for one job, all pages, in the order DRS returns them. */
export async function describeJobLogItems(drs: DrsSender, jobID: string): Promise<JobLog[]> {
  return collectPages(async (nextToken) => {
    const out = await drs.send(new DescribeJobLogItemsCommand({ jobID, nextToken }));
    return { items: out.items, nextToken: out.nextToken };
  });
}
