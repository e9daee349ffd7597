// Regenerates the README's picture: renders an SVG in Debian's headless Chromium and saves a PNG.
//   npm run demo && node samples/screenshot.mjs ref.svg samples/leaky.png
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const [svg = 'ref.svg', png = 'samples/leaky.png', width = '1200'] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'ghf-shot-'));
const page = join(dir, 'shot.html');
writeFileSync(page, `<!doctype html><body style="margin:0"><img id="g" src="file://${resolve(svg)}" width="${width}"></body>`);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--allow-file-access-from-files'],
});
try {
  const tab = await browser.newPage({ viewport: { width: Number(width), height: 800 } });
  await tab.goto(`file://${page}`);
  await tab.waitForFunction(() => document.getElementById('g').complete);
  await tab.locator('#g').screenshot({ path: png, timeout: 60_000 });
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
