import {
  DescribeJobsCommand,
  type DescribeJobsCommandInput,
  type DescribeJobsCommandOutput,
  DrsClient,
} from '@aws-sdk/client-drs';
import type { DescribeInstancesCommandInput, DescribeInstancesCommandOutput } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { collectItems, DRS_TOKENS, EC2_TOKENS, MAX_PAGES, paginate } from '../../src/aws/paginate.js';

type Input = DescribeJobsCommandInput;
type Output = Omit<DescribeJobsCommandOutput, '$metadata'>;

/** A fake `send` that answers from a list of pages and records every request it gets. */
function listing(answer: (request: Input, index: number) => Output | undefined) {
  const requests: Input[] = [];
  const send = async (input: Input): Promise<Output | undefined> => {
    requests.push(input);
    return answer(input, requests.length - 1);
  };
  return { requests, send };
}

const job = (id: string) => ({ jobID: id });

describe('paginate', () => {
  it('follows the token across pages, one request per page, the token in the request each time', async () => {
    const pages: Output[] = [
      { items: [job('a'), job('b')], nextToken: 't1' },
      { items: [job('c')], nextToken: 't2' },
      { items: [job('d')] },
    ];
    const { requests, send } = listing((_, i) => pages[i]);
    const items = await collectItems(paginate(send, { maxResults: 2 }, DRS_TOKENS), (p) => p.items);
    expect(items.map((j) => j.jobID)).toEqual(['a', 'b', 'c', 'd']);
    expect(requests).toStrictEqual([
      { maxResults: 2, nextToken: undefined },
      { maxResults: 2, nextToken: 't1' },
      { maxResults: 2, nextToken: 't2' },
    ]);
    // The input's own fields keep their order, the token comes last (requests are recorded as sent).
    expect(Object.keys(requests[1] ?? {})).toEqual(['maxResults', 'nextToken']);
  });

  it('yields the pages themselves, and fetches a page only when asked (breaking out sends nothing more)', async () => {
    const { requests, send } = listing((_, i) => ({ items: [job(`j${i}`)], nextToken: `t${i}` }));
    const seen: string[] = [];
    for await (const page of paginate(send, {}, DRS_TOKENS)) {
      seen.push(page.items?.[0]?.jobID ?? '');
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['j0', 'j1']);
    expect(requests).toHaveLength(2);
  });

  it('stops when the service repeats a token it already gave (a token loop), keeping what it read', async () => {
    const { requests, send } = listing((_, i) => ({ items: [job(`j${i}`)], nextToken: 'same' }));
    const items = await collectItems(paginate(send, {}, DRS_TOKENS), (p) => p.items);
    expect(requests.map((r) => r.nextToken)).toEqual([undefined, 'same']);
    expect(items).toHaveLength(2);
  });

  it('stops a loop of ever-new tokens at the page limit', async () => {
    const endless = listing((_, i) => ({ items: [job(`j${i}`)], nextToken: `t${i}` }));
    await collectItems(paginate(endless.send, {}, DRS_TOKENS, { maxPages: 5 }), (p) => p.items);
    expect(endless.requests).toHaveLength(5);

    const defaultLimit = listing((_, i) => ({ items: [], nextToken: `t${i}` }));
    await collectItems(paginate(defaultLimit.send, {}, DRS_TOKENS), (p) => p.items);
    expect(defaultLimit.requests).toHaveLength(MAX_PAGES);
  });

  it('ends on an empty token or a missing answer', async () => {
    const empty = listing(() => ({ items: [job('a')], nextToken: '' }));
    expect(await collectItems(paginate(empty.send, {}, DRS_TOKENS), (p) => p.items)).toHaveLength(1);
    expect(empty.requests).toHaveLength(1);

    const missing = listing((_, i) => (i === 0 ? { items: [job('a')], nextToken: 't' } : undefined));
    expect(await collectItems(paginate(missing.send, {}, DRS_TOKENS), (p) => p.items)).toHaveLength(1);
    expect(missing.requests).toHaveLength(2);
  });

  it('propagates the error of a failed page unchanged and sends nothing after it', async () => {
    const failure = Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' });
    const { requests, send } = listing((_, i) => {
      if (i === 1) throw failure;
      return { items: [job(`j${i}`)], nextToken: `t${i}` };
    });
    await expect(collectItems(paginate(send, {}, DRS_TOKENS), (p) => p.items)).rejects.toBe(failure);
    expect(requests).toHaveLength(2);
  });

  it('speaks EC2 too: NextToken in the request and the answer', async () => {
    const requests: DescribeInstancesCommandInput[] = [];
    const pages: Omit<DescribeInstancesCommandOutput, '$metadata'>[] = [
      { Reservations: [{ ReservationId: 'r-1' }], NextToken: 'n1' },
      { Reservations: [{ ReservationId: 'r-2' }] },
    ];
    const send = async (input: DescribeInstancesCommandInput) => {
      requests.push(input);
      return pages[requests.length - 1];
    };
    const reservations = await collectItems(
      paginate(send, { InstanceIds: ['i-0123456789abcdef0'] }, EC2_TOKENS),
      (p) => p.Reservations,
    );
    expect(reservations.map((r) => r.ReservationId)).toEqual(['r-1', 'r-2']);
    expect(requests.map((r) => r.NextToken)).toEqual([undefined, 'n1']);
  });

  it('works over a plain send object taken from an SDK client (mocked here)', async () => {
    const drsMock = mockClient(DrsClient);
    drsMock
      .on(DescribeJobsCommand, { nextToken: undefined })
      .resolves({ items: [job('a')], nextToken: 'p2' })
      .on(DescribeJobsCommand, { nextToken: 'p2' })
      .resolves({ items: [job('b')] });
    const drs = new DrsClient({ region: 'eu-west-1' });
    const sender = { send: drs.send.bind(drs) };
    const items = await collectItems(
      paginate(
        (input: DescribeJobsCommandInput) => sender.send(new DescribeJobsCommand(input)),
        { filters: { jobIDs: ['drsjob-1234567890abcdefG'] }, maxResults: 1000 },
        DRS_TOKENS,
      ),
      (p) => p.items,
    );
    expect(items.map((j) => j.jobID)).toEqual(['a', 'b']);
    expect(drsMock.commandCalls(DescribeJobsCommand).map((c) => c.args[0].input)).toStrictEqual([
      { filters: { jobIDs: ['drsjob-1234567890abcdefG'] }, maxResults: 1000, nextToken: undefined },
      { filters: { jobIDs: ['drsjob-1234567890abcdefG'] }, maxResults: 1000, nextToken: 'p2' },
    ]);
    drsMock.restore();
  });
});
