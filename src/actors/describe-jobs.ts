import {
  DescribeJobLogItemsCommand,
  DescribeJobsCommand,
  type DescribeJobsRequestFilters,
  type Job,
  type JobLog,
} from '@aws-sdk/client-drs';
import type { DrsSender } from '../aws/clients.js';
import { collectPages } from './paginate.js';

/** Largest page DescribeJobs and DescribeJobLogItems accept: fewer calls per poll. */
export const JOB_PAGE_SIZE = 1000;

/** DescribeJobs, all pages. */
export async function describeJobs(drs: DrsSender, filters: DescribeJobsRequestFilters): Promise<Job[]> {
  return collectPages(async (nextToken) => {
    const out = await drs.send(new DescribeJobsCommand({ filters, maxResults: JOB_PAGE_SIZE, nextToken }));
    return { items: out.items, nextToken: out.nextToken };
  });
}

/** DescribeJobLogItems for one job, all pages, in the order DRS returns them. */
export async function describeJobLogItems(drs: DrsSender, jobID: string): Promise<JobLog[]> {
  return collectPages(async (nextToken) => {
    const out = await drs.send(
      new DescribeJobLogItemsCommand({ jobID, maxResults: JOB_PAGE_SIZE, nextToken }),
    );
    return { items: out.items, nextToken: out.nextToken };
  });
}
