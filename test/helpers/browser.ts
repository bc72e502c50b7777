import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { ROOT } from './process';

/**
 * Real headless Chromium for browser tests: Debian's `chromium` package (`.ci/run` installs it when it is missing)
 * driven by playwright-core, which never downloads a browser of its own. `CHROMIUM_PATH` points at another binary.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Quiet and offline: no updates, sync, QUIC or first-run pages, nothing fetched that the test did not ask for. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
  // containers often give /dev/shm only 64 MB, which crashes tabs
  '--disable-dev-shm-usage',
];

export const DESKTOP_VIEWPORT = { width: 1280, height: 800 } as const;
export const PHONE_VIEWPORT = { width: 375, height: 740 } as const;

export const SCREENSHOT_DIR = join(ROOT, 'test-artifacts', 'screenshots');

/**
 * Starts headless Chromium. Playwright gives every launch a fresh, empty user data directory (a temporary one it
 * deletes on close), so no profile, cache or storage is shared between runs.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: run \`apt-get install -y --no-install-recommends chromium\` ` +
        '(.ci/run does it) or set CHROMIUM_PATH',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export async function closeBrowser(browser: Browser | undefined): Promise<void> {
  await browser?.close();
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  /** Fixed locale and time zone, so screenshots and times on the page do not depend on the machine. */
  locale?: string;
  timezoneId?: string;
}

/**
 * A page in its own browser context (its own cookies and storage; closing the page closes the context), 1280×800
 * unless told otherwise. Uncaught errors and console errors of the page are collected in `errors`.
 */
export async function newPage(browser: Browser, options: PageOptions = {}): Promise<Page> {
  const page = await browser.newPage({
    viewport: options.viewport ?? DESKTOP_VIEWPORT,
    locale: options.locale ?? 'en-GB',
    timezoneId: options.timezoneId ?? 'UTC',
  });
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (err: Error) => errors.push(`uncaught: ${err.message}`));
  page.on('console', (message: ConsoleMessage) => {
    // The browser asks for /favicon.ico by itself; its 404 is not the page's doing.
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) {
      errors.push(`console: ${message.text()}`);
    }
  });
  return page;
}

/** A phone-sized page (375×740). */
export function newPhonePage(browser: Browser, options: Omit<PageOptions, 'viewport'> = {}): Promise<Page> {
  return newPage(browser, { ...options, viewport: PHONE_VIEWPORT });
}

const pageErrors = new WeakMap<Page, string[]>();

/** What went wrong in the page so far: uncaught exceptions and console errors (failed requests, CSP refusals). */
export function errorsOf(page: Page): string[] {
  return [...(pageErrors.get(page) ?? [])];
}

/**
 * Saves a full-page PNG as test-artifacts/screenshots/<name>.png (the folder is created when missing) and returns
 * its path. `name` may use letters, digits, dots, dashes and underscores; anything else becomes a dash.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}
