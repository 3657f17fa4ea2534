// The web view in a real browser (headless Chromium from Debian, driven by playwright-core): a
// simulated failback followed live, one wave approved by typing the confirmation (keyboard only),
// the next refused, the outcome and the report; the token's refusal and a reload that replays the
// stream whole. Without /usr/bin/chromium these tests fail: `.ci/run` installs it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { waveLifecycle } from '../../machines/lifecycle.js';
import type { RunEvent } from '../../src/events.js';
import { launchChromium, startWebRun, type WebRun } from '../support/web-driver.js';

const SPEED = 600;
// Launched by the first test that needs it: without Chromium each test fails (a failing
// beforeAll would only mark them skipped).
let launched: Promise<Browser> | undefined;
const chromium = () => {
  launched ??= launchChromium();
  return launched;
};
const runs: WebRun[] = [];

afterAll(async () => {
  await Promise.all(runs.map((r) => r.stop()));
  await (await launched?.catch(() => undefined))?.close();
}, 30_000);

async function start(): Promise<WebRun> {
  const run = await startWebRun(SPEED);
  runs.push(run);
  return run;
}

// Generous waits: the machine may be busy (CI, other test files); a wait ends as soon as it holds.
const WAIT = 30_000;
const poll = <T>(read: () => Promise<T> | T, timeout = WAIT) => expect.poll(read, { timeout, interval: 50 });

/** seqs the page received are 1..n, each once. */
function contiguous(seqs: number[]): boolean {
  return seqs.length > 0 && seqs.every((s, i) => s === i + 1);
}

const seen = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { drsFailbackSeen: number[] }).drsFailbackSeen);

/** The run's event log in its state directory (the only run there). */
const eventLog = (run: WebRun): RunEvent[] => {
  const [runId] = readdirSync(join(run.stateDir, 'runs'));
  const text = readFileSync(join(run.stateDir, 'runs', runId ?? 'missing', 'events.ndjson'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RunEvent);
};

describe('web view in Chromium', () => {
  it('follows a failback, approves a wave by typing its name, refuses the next, shows the outcome and the report', async () => {
    const browser = await chromium();
    const run = await start();
    const page = await browser.newPage();
    await page.goto(run.url);
    await poll(() => page.textContent('#title')).toContain('payments');

    // The first wave waits for approval: what it approves, the servers, the region, the word.
    const approval = page.locator('#approval');
    await approval.waitFor({ state: 'visible', timeout: WAIT });
    await poll(() => page.textContent('#approval-title')).toContain('wave databases');
    expect(await page.textContent('#approval-calls')).toContain(
      'StartFailbackLaunch for 2 recovery instance(s) in us-east-1: the target machines will be converted and rebooted (cannot be undone)',
    );
    expect(await page.textContent('#approval-servers')).toContain('s-1234567890abcdef0');
    expect(await page.textContent('#confirm-word')).toBe('databases');
    expect(await page.getAttribute('li[data-wave="databases"]', 'data-status')).toBe('waiting for approval');
    expect(await page.textContent('li[data-wave="databases"] .pnr')).toContain(
      'before the point of no return',
    );

    // Keyboard only: the name field has focus; a wrong word is refused with a message.
    await poll(() =>
      page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document
            .activeElement?.id,
      ),
    ).toBe('approver');
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await page.keyboard.type('database');
    await page.keyboard.press('Enter');
    await poll(() => page.textContent('#message')).toBe('To approve, type databases exactly.');
    await page.keyboard.type('s');
    await page.keyboard.press('Enter');
    await poll(() => page.textContent('#message')).toBe('Wave databases approved by alice.');
    await poll(() => page.textContent('li[data-wave="databases"]')).toContain('approved by alice (web)');
    await poll(() => page.textContent('li[data-wave="databases"] .pnr')).toContain(
      'past the point of no return',
    );

    // The wave advances; the next one waits: refused, from the keyboard.
    await poll(() => page.textContent('#approval-title'), 2 * WAIT).toContain('wave app');
    expect(await page.textContent('#checks')).toMatch(/pass/);
    await page.focus('#refuse');
    await page.keyboard.press('Enter');
    await poll(() => page.textContent('#message')).toBe('Wave app refused by alice.');

    // The outcome, each wave's written out, and the reports.
    await page.locator('#outcome').waitFor({ state: 'visible', timeout: 2 * WAIT });
    const outcome = (await page.textContent('#outcome-text')) ?? '';
    expect(outcome).toContain('databases completed');
    expect(outcome).toContain('app aborted');
    expect(await page.getAttribute('li[data-wave="databases"]', 'data-status')).toBe('completed');
    expect(await page.getAttribute('li[data-wave="app"]', 'data-status')).toBe('aborted');
    expect(await page.textContent('li[data-wave="app"] .pnr')).toContain(
      'ended before the point of no return',
    );
    expect(await page.textContent('#joblog')).toContain('JOB_START');
    expect(await page.textContent('#servers')).toMatch(/s-1234567890abcdef0\s*databases\s*\w+/);
    expect(await page.textContent('#rto')).toMatch(/RTO clock: .+ elapsed of 4h 0m 0s/);
    expect(await page.textContent('#answers')).toMatch(/approvedalice\s*web/);

    // The page shows each wave's state as the terminal names and labels it.
    const events = eventLog(run);
    for (const wave of ['databases', 'app']) {
      const last = events.filter((e) => e.type === 'state' && e.machine === 'wave' && e.wave === wave).at(-1);
      const to = last?.type === 'state' ? last.to : '';
      expect(await page.textContent(`li[data-wave="${wave}"] .state`)).toBe(
        `state: ${to} (${waveLifecycle.label(to)})`,
      );
    }
    // The answers were recorded in the run's log as the contract defines: the name typed, via web.
    expect(events.filter((e) => e.type === 'approval.given' || e.type === 'approval.refused')).toEqual([
      expect.objectContaining({ type: 'approval.given', wave: 'databases', approver: 'alice', via: 'web' }),
      expect.objectContaining({ type: 'approval.refused', wave: 'app', approver: 'alice', via: 'web' }),
    ]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-md')]);
    const markdown = readFileSync((await download.path()) ?? '', 'utf8');
    expect(markdown).toContain('payments');
    expect(markdown).toContain('alice');
    const json = await page.request.get(`${run.base}/report.json?token=${run.token}`);
    expect(json.status()).toBe(200);
    expect(await json.json()).toMatchObject({ outcome: 'aborted' });
    expect(contiguous(await seen(page))).toBe(true);
    expect((await seen(page)).length).toBe(events.length);
    await page.close();
  }, 180_000);

  it('refuses a request without the token; a reload gets the whole stream again, no gap, no duplicate', async () => {
    const browser = await chromium();
    const run = await start();
    const page = await browser.newPage();
    const refused = await page.goto(`${run.base}/`);
    expect(refused?.status()).toBe(403);
    expect(await page.textContent('body')).toContain('access token');
    const wrong = await page.goto(`${run.base}/?token=${run.token.slice(1)}`);
    expect(wrong?.status()).toBe(403);

    // While the approval waits, virtual time stands still and the run's log stops growing: the
    // page has every event of it, 1..n, each once; after a reload, the same again.
    const logged = () => eventLog(run).map((e) => e.seq);
    await page.goto(run.url);
    await page.locator('#approval').waitFor({ state: 'visible', timeout: WAIT });
    await poll(async () => {
      const [shown, log] = [await seen(page), logged()];
      return shown.length > 0 && JSON.stringify(shown) === JSON.stringify(log) && contiguous(shown);
    }).toBe(true);
    const before = await seen(page);
    await page.reload();
    await page.locator('#approval').waitFor({ state: 'visible', timeout: WAIT });
    await poll(() => page.getAttribute('li[data-wave="databases"]', 'data-status')).toBe(
      'waiting for approval',
    );
    await poll(async () => (await seen(page)).length).toBeGreaterThanOrEqual(before.length);
    expect((await seen(page)).slice(0, before.length)).toEqual(before);
    expect(await seen(page)).toEqual(logged());
    await page.fill('#approver', 'carol');
    await page.fill('#confirm', 'databases');
    await page.press('#confirm', 'Enter');
    await poll(() => page.textContent('#message')).toContain('approved by carol');
    await poll(async () => (await seen(page)).length).toBeGreaterThan(before.length);
    expect(contiguous(await seen(page))).toBe(true);
    await page.close();
  }, 180_000);
});
