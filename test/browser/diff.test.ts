import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawnFrames, framePaths } from '../support/svg-reading.js';
import { launchChromium, pngColourShares, pngPixels, serve } from '../support/browser.js';
import { growingFixture } from '../support/growing-fixture.js';
import { runCli } from '../support/run-cli.js';

/**
 * The differential graph of the growing fixture's two dumps (`goheapflame diff`), in Chromium: the
 * colours, tooltips and legend as drawn, and the view without JavaScript.
 */
let browser: Browser;
let server: Awaited<ReturnType<typeof serve>>;
let scratch: string;
let svg: string;
let frames: ReturnType<typeof framePaths>;

beforeAll(async () => {
  const fixture = await growingFixture('1.26');
  scratch = mkdtempSync(join(tmpdir(), 'ghf-diff-browser-'));
  const out = join(scratch, 'growth.svg');
  const run = runCli(['diff', fixture.base.core, fixture.grown.core, fixture.binary, '-o', out, '-q']);
  if (run.code !== 0) throw new Error(`goheapflame diff failed (${run.code}): ${run.stderr}`);
  svg = readFileSync(out, 'utf8');
  frames = framePaths(drawnFrames(svg));
  browser = await launchChromium();
  server = await serve({
    '/growth.svg': { body: svg, type: 'image/svg+xml' },
    '/sandboxed.svg': { body: svg, type: 'image/svg+xml', headers: { 'content-security-policy': "script-src 'none'" } },
    '/img.html': {
      body: '<!doctype html><body style="margin:0"><img id="graph" src="growth.svg"></body>',
      type: 'text/html',
      headers: { 'content-security-policy': "script-src 'none'" },
    },
  });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(server.url + path);
  expect(errors).toEqual([]);
  return page;
}

const indexOf = (path: string) => frames.findIndex((f) => f.path.join(';') === path);

describe('a differential graph in Chromium', () => {
  it('paints growth red, shrinkage blue and no change white, as the frames say', async () => {
    const page = await open('/growth.svg');
    const painted = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.ghf-frames > g > rect')).map((r) => getComputedStyle(r).fill),
    );
    const rgb = (hex: string) => `rgb(${[1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16)).join(', ')})`;
    expect(painted).toEqual(frames.map((f) => rgb(f.frame.fill)));
    expect(painted[indexOf('global main.cache')]).toBe('rgb(255, 0, 0)');
    expect(painted[indexOf('global main.steady')]).toBe('rgb(255, 255, 255)');
    const pending = painted[indexOf('global main.pending')]!.match(/\d+/g)!.map(Number);
    expect(pending[2]).toBe(255);
    expect(pending[0]).toBeLessThan(255);
    await page.close();
  });

  it('gives base, new, change and percentage in the tooltip and the details line, and the change in labels after a zoom', async () => {
    const page = await open('/growth.svg');
    const cache = indexOf('global main.cache');
    const journal = indexOf('global main.journal');
    const g = page.locator('.ghf-frames > g').nth(cache);
    const title = await g.locator('title').textContent();
    expect(title).toMatch(/^global main\.cache \(\+[\d.]+ MiB, \+[\d.]+%; base [\d.]+ MiB, new [\d.]+ MiB\)$/);
    await g.hover();
    expect(await page.locator('.ghf-details').textContent()).toBe(`Frame: ${title}`);
    await page.locator('.ghf-frames > g').nth(journal).click();
    const label = await page.locator('.ghf-frames > g').nth(journal).locator('text').textContent();
    expect(label).toMatch(/^global main\.journal \(\+[\d.]+ MiB\)$/);
    await page.close();
  });

  it('shows the growth and a legend whose bar runs from blue through white to red', async () => {
    const page = await open('/growth.svg');
    expect(await page.locator('.ghf-subtitle').textContent()).toMatch(/^Growth \+[\d.]+ MiB \(\+[\d.]+%\): base [\d.]+ MiB, new [\d.]+ MiB$/);
    expect(await page.locator('.ghf-legend-low').textContent()).toMatch(/^shrank -[\d.]+ MiB$/);
    expect(await page.locator('.ghf-legend-high').textContent()).toMatch(/^\+[\d.]+ MiB grew$/);
    const box = (await page.locator('.ghf-legend rect').boundingBox())!;
    const y = Math.round(box.y + box.height / 2);
    const shot = await page.screenshot({ clip: { x: Math.round(box.x), y, width: Math.round(box.width), height: 1 } });
    const pixels = await pngPixels(browser, shot);
    const at = (fraction: number) => {
      const k = 4 * Math.min(Math.round(fraction * (pixels.length / 4 - 1)), pixels.length / 4 - 1);
      return [pixels[k]!, pixels[k + 1]!, pixels[k + 2]!];
    };
    // Inside the stroke: blue at the left end, white in the middle, red at the right end.
    const [left, middle, right] = [at(0.03), at(0.5), at(0.97)];
    expect(left[2]).toBeGreaterThan(240);
    expect(left[0]).toBeLessThan(40);
    expect(Math.min(...middle)).toBeGreaterThan(235);
    expect(right[0]).toBeGreaterThan(240);
    expect(right[2]).toBeLessThan(40);
    await page.close();
  });

  it('without JavaScript, as an <img>, still draws the red and blue frames and the legend', async () => {
    const sandboxed = await open('/sandboxed.svg');
    expect(await sandboxed.evaluate(() => document.documentElement.getAttribute('class'))).toBe('ghf');
    expect(await sandboxed.locator('.ghf-frames > g > title').count()).toBe(frames.length);
    expect(await sandboxed.locator('.ghf-legend').isVisible()).toBe(true);
    await sandboxed.close();
    const page = await open('/img.html');
    const img = page.locator('#graph');
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(1200);
    const [red] = await pngColourShares(browser, await img.screenshot(), ['#ff0000']);
    expect(red).toBeGreaterThan(0.01); // main.cache, the largest growth
    // Shades of blue (the frames that shrank, and the legend): full blue, equal lower red and green.
    const pixels = await pngPixels(browser, await img.screenshot());
    let blue = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 2] === 255 && pixels[i] === pixels[i + 1] && pixels[i]! < 230) blue++;
    expect(blue).toBeGreaterThan(100);
    await page.close();
  });
});
