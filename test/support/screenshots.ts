// `npm run screenshots`: screenshots of the web view for the README and docs/operations.md, taken
// with the browser tests' driver (needs the built CLI, `npm run build`, and /usr/bin/chromium).
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchChromium, startWebRun } from './web-driver.js';

const OUT = new URL('../../docs/img/', import.meta.url).pathname;

async function waitForApproval(page: Page, wave: string): Promise<void> {
  await page.locator('#approval-title', { hasText: `wave ${wave}` }).waitFor({ timeout: 60_000 });
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const browser = await launchChromium();
  const run = await startWebRun(600);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(run.url);
    await page.locator('#approval').waitFor({ state: 'visible', timeout: 30_000 });
    await page.fill('#approver', 'alice');
    await page.fill('#confirm', 'databases');
    await page.screenshot({ path: `${OUT}web-approval.png`, fullPage: true });
    await page.press('#confirm', 'Enter');
    await waitForApproval(page, 'app');
    await page.fill('#approver', 'alice');
    await page.fill('#confirm', 'app');
    await page.press('#confirm', 'Enter');
    await waitForApproval(page, 'web');
    await page.fill('#approver', 'alice');
    await page.fill('#confirm', 'web');
    await page.press('#confirm', 'Enter');
    await page.locator('#outcome').waitFor({ state: 'visible', timeout: 60_000 });
    await page.screenshot({ path: `${OUT}web-outcome.png`, fullPage: true });
    process.stdout.write(`screenshots written to ${OUT}\n`);
  } finally {
    await run.stop();
    await browser.close();
  }
}

await main();
