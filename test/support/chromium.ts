// Headless Chromium for page tests: Debian's `chromium` package (installed by
// scripts/install-chromium.sh when missing), driven by playwright-core, with a fresh profile and
// every background network feature off (tests only ever talk to loopback).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const INSTALL = join(import.meta.dirname, '..', '..', 'scripts', 'install-chromium.sh');

export async function ensureChromium(): Promise<void> {
  if (existsSync(CHROMIUM)) return;
  await promisify(execFile)('bash', [INSTALL], { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is still missing after ${INSTALL}`);
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(
  options: { colorScheme?: 'light' | 'dark'; javaScriptEnabled?: boolean } = {},
): Promise<Browser> {
  await ensureChromium();
  const profile = await mkdtemp(join(tmpdir(), 'vigil-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
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
