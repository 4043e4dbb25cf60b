// Shared test support: real Chromium (Debian's package) driven by playwright-core, with the flags every browser test
// uses, and the built web UI those tests load.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './fixtures.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
export const UI_DIR = resolve(REPO_ROOT, 'packages/ui/dist');

export interface TestBrowser {
  context: BrowserContext;
  /**
   * A page in the given colour scheme. A dialog fails the test: only script injected through untrusted text
   * (an XSS) would open one.
   */
  newPage(theme?: 'light' | 'dark'): Promise<Page>;
  /** Closes Chromium and deletes its profile. */
  close(): Promise<void>;
}

/**
 * Chromium in a fresh profile, so that nothing cached or remembered from an earlier run can make a test pass.
 * `args` are added to the common flags; the viewport is a 1440×900 desktop unless given.
 */
export async function launchChromium(opts: { name: string; args?: string[]; viewport?: { width: number; height: number } }): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), `sextant-${opts.name}-chromium-`));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      viewport: opts.viewport ?? { width: 1440, height: 900 },
      args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    async newPage(theme = 'light') {
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: theme });
      page.on('dialog', (d) => {
        throw new Error(`unexpected dialog: ${d.message()}`);
      });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The built UI's directory, building it first when a fresh clone has not (`npm test` builds it anyway). */
export function builtUiDir(): string {
  if (!existsSync(join(UI_DIR, 'index.html'))) {
    const r = spawnSync('npm', ['run', 'build', '-w', '@sextant/ui'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`building the UI failed (exit ${r.status})`);
  }
  return UI_DIR;
}
