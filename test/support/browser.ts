import { existsSync } from 'node:fs';
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium; the browser tests fail (never skip) without it. */
export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing; the browser tests need Debian's chromium (apt-get install chromium).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface Route {
  body: string | Buffer;
  type: string;
  headers?: OutgoingHttpHeaders;
}

/** An HTTP server on 127.0.0.1 serving fixed routes (by path, query ignored); 404 otherwise. */
export async function serve(routes: Record<string, Route>): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const route = routes[new URL(request.url ?? '/', 'http://x').pathname];
    if (!route) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store', ...route.headers }).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** A PNG's pixels as RGBA bytes, decoded by the browser in a blank page, so no image library is needed. */
export async function pngPixels(browser: Browser, png: Buffer): Promise<Buffer> {
  const page = await browser.newPage();
  try {
    await page.setContent(`<img id="shot" src="data:image/png;base64,${png.toString('base64')}">`);
    await page.waitForFunction(() => (document.getElementById('shot') as HTMLImageElement).complete);
    const base64 = await page.evaluate(() => {
      const img = document.getElementById('shot') as HTMLImageElement;
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context = canvas.getContext('2d')!;
      context.drawImage(img, 0, 0);
      const bytes = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(text);
    });
    return Buffer.from(base64, 'base64');
  } finally {
    await page.close();
  }
}

/** Counts of each RGB colour of a PNG. */
async function colourCounts(browser: Browser, png: Buffer): Promise<{ counts: Map<number, number>; total: number }> {
  const pixels = await pngPixels(browser, png);
  const counts = new Map<number, number>();
  for (let i = 0; i < pixels.length; i += 4) {
    const key = (pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { counts, total: pixels.length / 4 };
}

/** The share of a PNG's pixels that have exactly each of the given colours (`#rrggbb`). */
export async function pngColourShares(browser: Browser, png: Buffer, colours: string[]): Promise<number[]> {
  const { counts, total } = await colourCounts(browser, png);
  return colours.map((c) => (counts.get(parseInt(c.slice(1), 16)) ?? 0) / total);
}

/**
 * How much of a PNG is not background: the share of pixels that differ from the most common colour,
 * and the number of distinct colours.
 */
export async function pngStats(browser: Browser, png: Buffer): Promise<{ nonBackground: number; colours: number }> {
  const { counts, total } = await colourCounts(browser, png);
  const background = Math.max(...counts.values());
  return { nonBackground: (total - background) / total, colours: counts.size };
}
