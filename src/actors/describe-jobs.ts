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
import { collectItems, DRS_TOKENS, paginate } from '../aws/paginate.js';

/** Largest page DescribeJobs and DescribeJobLogItems accept: fewer calls per poll. */
export const JOB_PAGE_SIZE = 1000;

/** DescribeJobs, all pages. */
export async function describeJobs(drs: DrsSender, filters: DescribeJobsRequestFilters): Promise<Job[]> {
  return collectItems(
    paginate(
      (input: DescribeJobsCommandInput) => drs.send(new DescribeJobsCommand(input)),
      { filters, maxResults: JOB_PAGE_SIZE },
      DRS_TOKENS,
    ),
    (page) => page.items,
  );
}

/** DescribeJobLogItems for one job, all pages, in the order DRS returns them. */
export async function describeJobLogItems(drs: DrsSender, jobID: string): Promise<JobLog[]> {
  return collectItems(
    paginate(
      (input: DescribeJobLogItemsCommandInput) => drs.send(new DescribeJobLogItemsCommand(input)),
      { jobID, maxResults: JOB_PAGE_SIZE },
      DRS_TOKENS,
    ),
    (page) => page.items,
  );
}
