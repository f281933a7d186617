// Headless Chromium for page tests: the first browser found of $CHROMIUM_PATH, Debian's `chromium`
// (installed by scripts/install-chromium.sh when none is there), chromium-browser or Google Chrome,
// driven by playwright-core, with a fresh profile and every background network feature off (tests
// only ever talk to loopback).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BrowserContext, chromium } from 'playwright-core';

const INSTALL = join(import.meta.dirname, '..', '..', 'scripts', 'install-chromium.sh');
// The same places, in the same order, as scripts/install-chromium.sh.
const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

const findChromium = (): string | undefined =>
  CANDIDATES.find((c) => c !== undefined && c !== '' && existsSync(c));

/** The browser's path, installing Debian's chromium first when none is there. */
export async function ensureChromium(): Promise<string> {
  const found = findChromium();
  if (found !== undefined) return found;
  await promisify(execFile)('bash', [INSTALL], { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  const installed = findChromium();
  if (installed === undefined) throw new Error(`no Chromium found after ${INSTALL}`);
  return installed;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(
  options: { colorScheme?: 'light' | 'dark'; javaScriptEnabled?: boolean } = {},
): Promise<Browser> {
  const executablePath = await ensureChromium();
  const profile = await mkdtemp(join(tmpdir(), 'vigil-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    colorScheme: options.colorScheme ?? 'light',
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
