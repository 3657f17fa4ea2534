import {
  DescribeJobLogItemsCommand,
  type DescribeJobLogItemsCommandInput,
  DescribeJobsCommand,
  type DescribeJobsCommandInput,
  type DescribeJobsRequestFilters,
  type Job,
  type JobLog,
} from '@aws-sdk/client-drs';
import type { DrsSender } from '../aws/clients.js';
import { collectItems, DRS_TOKENS } from '../aws/paginate.js';

/** Largest page DescribeJobs and DescribeJobLogItems accept: fewer calls per poll. */
export const JOB_PAGE_SIZE = 1000;

// The `async`/`await` around each send below is not redundant: it keeps one extra turn per page,
// as these reads always had, so concurrent requests interleave as the golden streams recorded.

/** DescribeJobs, all pages. */
export async function describeJobs(drs: DrsSender, filters: DescribeJobsRequestFilters): Promise<Job[]> {
  return collectItems(
    async (input: DescribeJobsCommandInput) => await drs.send(new DescribeJobsCommand(input)),
    { filters, maxResults: JOB_PAGE_SIZE },
    DRS_TOKENS,
    (page) => page.items,
  );
}

/** DescribeJobLogItems for one job, all pages, in the order DRS returns them. */
export async function describeJobLogItems(drs: DrsSender, jobID: string): Promise<JobLog[]> {
  return collectItems(
    async (input: DescribeJobLogItemsCommandInput) => await drs.send(new DescribeJobLogItemsCommand(input)),
    { jobID, maxResults: JOB_PAGE_SIZE },
    DRS_TOKENS,
    (page) => page.items,
  );
}
