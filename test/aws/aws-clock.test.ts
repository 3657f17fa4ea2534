import { DescribeJobsCommand, DrsClient } from '@aws-sdk/client-drs';
import { describe, expect, it } from 'vitest';
import { AwsClock, observeAwsClock } from '../../src/aws/aws-clock.js';

const LOCAL = Date.parse('2026-03-01T02:00:00Z');
const local = { now: () => LOCAL };

/** A DRS client whose HTTP handler answers every request with `date` as its Date header. */
function clientAnswering(date: string | undefined): DrsClient {
  return new DrsClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    requestHandler: {
      handle: async () => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (date !== undefined) headers.date = date;
        return {
          // A plain HTTP response (what @smithy/protocol-http's HttpResponse holds).
          response: { statusCode: 200, headers, body: new TextEncoder().encode('{"items":[]}') },
        };
      },
    },
  });
}

describe('AwsClock', () => {
  it('knows nothing before a response, then runs at the local clock plus the skew of the newest Date', () => {
    const clock = new AwsClock(local);
    expect(clock.now()).toBeUndefined();
    clock.observe('Sun, 01 Mar 2026 01:40:00 GMT');
    expect(clock.skewMs).toBe(-20 * 60_000);
    expect(clock.now()).toBe(LOCAL - 20 * 60_000);
    clock.observe('not a date');
    expect(clock.skewMs).toBe(-20 * 60_000);
  });

  it('reads the Date header of a real SDK client response at the deserialize step', async () => {
    const clock = new AwsClock(local);
    const client = clientAnswering('Sun, 01 Mar 2026 02:05:00 GMT');
    observeAwsClock(client, clock);
    await client.send(new DescribeJobsCommand({}));
    expect(clock.now()).toBe(LOCAL + 5 * 60_000);
  });

  it('leaves the clock unknown when the response has no Date header', async () => {
    const clock = new AwsClock(local);
    const client = clientAnswering(undefined);
    observeAwsClock(client, clock);
    await client.send(new DescribeJobsCommand({}));
    expect(clock.now()).toBeUndefined();
  });
});
