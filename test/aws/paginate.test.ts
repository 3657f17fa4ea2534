import {
  DescribeJobsCommand,
  type DescribeJobsCommandInput,
  type DescribeJobsCommandOutput,
  DrsClient,
} from '@aws-sdk/client-drs';
import type { DescribeInstancesCommandInput, DescribeInstancesCommandOutput } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { collectItems, DRS_TOKENS, EC2_TOKENS, MAX_PAGES } from '../../src/aws/paginate.js';

type Input = DescribeJobsCommandInput;
type Output = Omit<DescribeJobsCommandOutput, '$metadata'>;

/** A fake `send` that answers from a function of the request's index and records every request. */
function listing(answer: (index: number) => Output | undefined) {
  const requests: Input[] = [];
  const send = async (input: Input): Promise<Output | undefined> => {
    requests.push(input);
    return answer(requests.length - 1);
  };
  return { requests, send };
}

const job = (id: string) => ({ jobID: id });
const itemsOf = (page: Output) => page.items;

describe('collectItems', () => {
  it('follows the token across pages, one request per page, the token in the request each time', async () => {
    const pages: Output[] = [
      { items: [job('a'), job('b')], nextToken: 't1' },
      { items: [job('c')], nextToken: 't2' },
      { items: [job('d')] },
    ];
    const { requests, send } = listing((i) => pages[i]);
    const items = await collectItems(send, { maxResults: 2 }, DRS_TOKENS, itemsOf);
    expect(items.map((j) => j.jobID)).toEqual(['a', 'b', 'c', 'd']);
    expect(requests).toStrictEqual([
      { maxResults: 2, nextToken: undefined },
      { maxResults: 2, nextToken: 't1' },
      { maxResults: 2, nextToken: 't2' },
    ]);
    // The request's own fields keep their order and the token comes last: events record requests as sent.
    expect(Object.keys(requests[1] ?? {})).toEqual(['maxResults', 'nextToken']);
  });

  it('stops after the page that satisfies stopWhen, without asking for the next', async () => {
    const { requests, send } = listing((i) => ({ items: [job(`j${i}`)], nextToken: `t${i}` }));
    const items = await collectItems(send, {}, DRS_TOKENS, itemsOf, { stopWhen: (so) => so.length === 2 });
    expect(items.map((j) => j.jobID)).toEqual(['j0', 'j1']);
    expect(requests).toHaveLength(2);
  });

  it('stops when the service repeats a token it already gave (a token loop), keeping what it read', async () => {
    const { requests, send } = listing((i) => ({ items: [job(`j${i}`)], nextToken: 'same' }));
    const items = await collectItems(send, {}, DRS_TOKENS, itemsOf);
    expect(requests.map((r) => r.nextToken)).toEqual([undefined, 'same']);
    expect(items).toHaveLength(2);
  });

  it('stops a loop of ever-new tokens at the page limit', async () => {
    const endless = listing((i) => ({ items: [job(`j${i}`)], nextToken: `t${i}` }));
    expect(await collectItems(endless.send, {}, DRS_TOKENS, itemsOf, { maxPages: 5 })).toHaveLength(5);
    expect(endless.requests).toHaveLength(5);

    const defaultLimit = listing((i) => ({ items: [], nextToken: `t${i}` }));
    await collectItems(defaultLimit.send, {}, DRS_TOKENS, itemsOf);
    expect(defaultLimit.requests).toHaveLength(MAX_PAGES);
  });

  it('ends on an empty token or a missing answer; a page without items counts as none', async () => {
    const empty = listing(() => ({ items: [job('a')], nextToken: '' }));
    expect(await collectItems(empty.send, {}, DRS_TOKENS, itemsOf)).toHaveLength(1);
    expect(empty.requests).toHaveLength(1);

    const missing = listing((i) => (i === 0 ? { items: [job('a')], nextToken: 't' } : undefined));
    expect(await collectItems(missing.send, {}, DRS_TOKENS, itemsOf)).toHaveLength(1);
    expect(missing.requests).toHaveLength(2);

    const noItems = listing((i) => (i === 0 ? { nextToken: 't' } : { items: [job('b')] }));
    expect((await collectItems(noItems.send, {}, DRS_TOKENS, itemsOf)).map((j) => j.jobID)).toEqual(['b']);
  });

  it('propagates the error of a failed page unchanged and sends nothing after it', async () => {
    const failure = Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' });
    const { requests, send } = listing((i) => {
      if (i === 1) throw failure;
      return { items: [job(`j${i}`)], nextToken: `t${i}` };
    });
    await expect(collectItems(send, {}, DRS_TOKENS, itemsOf)).rejects.toBe(failure);
    expect(requests).toHaveLength(2);
  });

  it('throws what mapError makes of a failed page', async () => {
    const failure = new Error('boom');
    const { send } = listing(() => {
      throw failure;
    });
    const mapped = collectItems(send, {}, DRS_TOKENS, itemsOf, {
      mapError: (error) => Object.assign(new Error('DescribeJobs failed'), { cause: error }),
    });
    await expect(mapped).rejects.toMatchObject({ message: 'DescribeJobs failed', cause: failure });
  });

  it('takes one turn of the event loop per page and no more (the recorded request order depends on it)', async () => {
    const turnsUntilDone = async (pages: number): Promise<number> => {
      const { send } = listing((i) => ({
        items: [job(`j${i}`)],
        ...(i + 1 < pages ? { nextToken: `t${i}` } : {}),
      }));
      let done = false;
      const reading = collectItems(send, {}, DRS_TOKENS, itemsOf).then(() => {
        done = true;
      });
      let turns = 0;
      while (!done && turns < 100) {
        await null;
        turns++;
      }
      await reading;
      return turns;
    };
    const one = await turnsUntilDone(1);
    // Each further page costs one turn (the await of its already-settled `send`) and nothing more.
    expect(await turnsUntilDone(2)).toBe(one + 1);
    expect(await turnsUntilDone(3)).toBe(one + 2);
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
      send,
      { InstanceIds: ['i-0123456789abcdef0'] },
      EC2_TOKENS,
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
      (input: DescribeJobsCommandInput) => sender.send(new DescribeJobsCommand(input)),
      { filters: { jobIDs: ['drsjob-1234567890abcdefG'] }, maxResults: 1000 },
      DRS_TOKENS,
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
