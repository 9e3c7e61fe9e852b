import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumPath } from '../../cli/prerequisites.js';
import type { TestRegistry } from '../support/docker.js';

/* The UI tests' browser: Debian's Chromium (installed by `npm test`'s set-up), driven by playwright-core. */

/** A fresh clone's first page under Vite waits for it to pre-bundle the UI's dependencies: minutes on a busy 2-core machine. */
export const FIRST_PAGE_TIMEOUT_MS = 180_000;

export const SCREENSHOT_DIR = path.resolve('test-artifacts/ui');

export const viewports = {
  laptop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

export async function launchBrowser(): Promise<Browser> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  // --no-sandbox: the tests run as root in a container, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}

/** A full-page screenshot kept as a test artifact. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Fills the service form's image source (the test registry's v1 image, with its credentials) and a fast HTTP health check. */
export async function fillImageService(page: Page, registry: TestRegistry): Promise<void> {
  const image = registry.images.httpV1;
  await page.getByLabel('Port').fill('8080');
  await page.getByLabel('Registry', { exact: true }).fill(registry.registry);
  await page.getByLabel('Repository').fill(image.repository);
  await page.getByLabel('Tag').fill(image.tag);
  await page.getByLabel('Registry username').fill(registry.username);
  await page.getByLabel('Registry password').fill(registry.password);
  await page.getByLabel('Path').fill('/health');
  await page.getByLabel('Interval (s)').fill('1');
  await page.getByLabel('Timeout (s)').fill('2');
  await page.getByLabel('Retries').fill('1');
}
