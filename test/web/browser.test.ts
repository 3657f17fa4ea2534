// The web view in a real browser (headless Chromium from Debian, driven by playwright-core): a
// simulated failback followed live, one wave approved by typing the confirmation, the next refused,
// the outcome and the report; the token's refusal and a reload that replays the stream whole.
// Without /usr/bin/chromium these tests fail: `.ci/run` installs it.
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startWebRun, type WebRun } from '../support/web-driver.js';

const SPEED = 600;
let browser: Browser;
const runs: WebRun[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.all(runs.map((r) => r.stop()));
  await browser?.close();
}, 30_000);

async function start(): Promise<WebRun> {
  const run = await startWebRun(SPEED);
  runs.push(run);
  return run;
}

/** seqs the page received are 1..n, each once. */
function contiguous(seqs: number[]): boolean {
  return seqs.length > 0 && seqs.every((s, i) => s === i + 1);
}

describe('web view in Chromium', () => {
  it('follows a failback, approves a wave by typing its name, refuses the next, shows the outcome and the report', async () => {
    const run = await start();
    const page = await browser.newPage();
    await page.goto(run.url);
    await expect.poll(() => page.textContent('#title')).toContain('payments');

    // The first wave waits for approval: what it approves, and the word to type.
    const approval = page.locator('#approval');
    await approval.waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => page.textContent('#approval-title')).toContain('databases');
    expect(await page.textContent('#approval-what')).toContain('StartFailbackLaunch');
    expect(await page.textContent('#approval-servers')).toContain('us-east-1');
    expect(await page.getAttribute('li[data-wave="databases"]', 'data-status')).toBe('waiting');

    // Keyboard only: the confirmation field has focus; a wrong word is refused with a message.
    await page.fill('#approver', 'alice');
    await page.fill('#confirm', 'database');
    await page.press('#confirm', 'Enter');
    await expect.poll(() => page.textContent('#message')).toContain('type the wave');
    await page.fill('#confirm', 'databases');
    await page.press('#confirm', 'Enter');
    await expect.poll(() => page.textContent('#message')).toContain('Wave databases approved by alice');
    await expect
      .poll(() => page.textContent('li[data-wave="databases"] .pnr'))
      .toContain('past the point of no return (approved by alice)');

    // The wave advances; the next one waits: refused.
    await expect.poll(() => page.textContent('#approval-title'), { timeout: 60_000 }).toContain('app');
    expect(await page.textContent('#checks')).toMatch(/pass/);
    await page.fill('#approver', 'bob');
    await page.focus('#refuse');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#message')).toContain('Wave app refused by bob');

    // The outcome, each wave's written out, and the reports.
    await page.locator('#outcome').waitFor({ state: 'visible', timeout: 60_000 });
    const outcome = (await page.textContent('#outcome-text')) ?? '';
    expect(outcome).toContain('databases completed');
    expect(outcome).toMatch(/app (aborted|refused)/);
    expect(await page.getAttribute('li[data-wave="databases"]', 'data-status')).toBe('completed');
    expect(await page.textContent('#joblog')).toContain('JOB_START');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-md')]);
    const markdown = readFileSync((await download.path()) ?? '', 'utf8');
    expect(markdown).toContain('payments');
    expect(markdown).toContain('alice');
    const json = await page.request.get(`${run.base}/report.json?token=${run.token}`);
    expect(json.status()).toBe(200);
    expect(JSON.stringify(await json.json())).toContain('bob');
    expect(
      contiguous(
        await page.evaluate(() => (globalThis as unknown as { drsFailbackSeen: number[] }).drsFailbackSeen),
      ),
    ).toBe(true);
    await page.close();
  });

  it('refuses a request without the token; a reload gets the whole stream again, no gap, no duplicate', async () => {
    const run = await start();
    const page = await browser.newPage();
    const refused = await page.goto(`${run.base}/`);
    expect(refused?.status()).toBe(403);
    expect(await page.textContent('body')).toContain('access token');

    await page.goto(run.url);
    await page.locator('#approval').waitFor({ state: 'visible', timeout: 30_000 });
    const seen = () =>
      page.evaluate(() => (globalThis as unknown as { drsFailbackSeen: number[] }).drsFailbackSeen);
    // The approval is read from /api/run; the stream delivers up to its request.
    await expect.poll(async () => (await seen()).length).toBeGreaterThan(0);
    await expect.poll(() => page.getAttribute('li[data-wave="databases"]', 'data-status')).toBe('waiting');
    const before = await seen();
    expect(contiguous(before)).toBe(true);
    await page.reload();
    await page.locator('#approval').waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => page.getAttribute('li[data-wave="databases"]', 'data-status')).toBe('waiting');
    expect((await seen()).length).toBeGreaterThanOrEqual(before.length);
    await page.fill('#approver', 'carol');
    await page.fill('#confirm', 'databases');
    await page.press('#confirm', 'Enter');
    await expect.poll(() => page.textContent('#message')).toContain('approved by carol');
    await expect.poll(async () => (await seen()).length).toBeGreaterThan(before.length);
    expect(contiguous(await seen())).toBe(true);
    await page.close();
  });
});
