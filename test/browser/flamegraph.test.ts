import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStacks, renderFlameGraph, type Stack } from '../../src/flame/index.js';
import { fitLabel } from '../../src/flame/label.js';
import { formatBytes } from '../../src/flame/units.js';
import { drawnFrames, framePaths } from '../support/svg-reading.js';
import { launchChromium, pngStats, serve } from '../support/browser.js';

const XPAD = 10;
const PLOT_WIDTH = 1180;
const CHAR_WIDTH = 12 * 0.61;

const sample = parseStacks(readFileSync(new URL('../../samples/sample.folded', import.meta.url), 'utf8')).stacks;
const svg = renderFlameGraph(sample, { colors: 'go', title: 'Sample heap' });
const frames = framePaths(drawnFrames(svg));
const total = frames[0]!.frame.value;
const hostile: Stack[] = [
  { frames: ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>'], value: 64 },
  { frames: ['ok'], value: 64 },
];
const hostileSvg = renderFlameGraph(hostile);
const withoutDeclaration = (text: string) => text.replace(/^<\?xml[^>]*>\n/, '');

/** True when frame `a` is `b` or one of its ancestors. */
const covers = (a: (typeof frames)[number], b: (typeof frames)[number]) =>
  a.depth <= b.depth && b.path.slice(0, a.depth).join(';') === a.path.join(';');

/** "Matched" as the page must compute it: matches inside a counted match are not counted again. */
function expectedMatched(re: RegExp, within = 0): number {
  const top = frames[within]!;
  for (let a = 1; a <= within; a++) if (covers(frames[a]!, top) && re.test(frames[a]!.frame.name)) return top.frame.value;
  let sum = 0;
  for (let i = within + 1; i < frames.length && frames[i]!.depth > top.depth; ) {
    const depth = frames[i]!.depth;
    if (re.test(frames[i]!.frame.name)) {
      sum += frames[i]!.frame.value;
      do i++;
      while (i < frames.length && frames[i]!.depth > depth);
    } else i++;
  }
  return sum;
}
const percent = (part: number, whole: number) => {
  const p = (100 * part) / whole;
  return (p === 100 ? '100' : p.toFixed(1)) + '%';
};

let browser: Browser;
let server: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  browser = await launchChromium();
  server = await serve({
    '/graph.svg': { body: svg, type: 'image/svg+xml' },
    '/hostile.svg': { body: hostileSvg, type: 'image/svg+xml' },
    '/sandboxed.svg': { body: svg, type: 'image/svg+xml', headers: { 'content-security-policy': "script-src 'none'" } },
    '/img.html': {
      body: '<!doctype html><body style="margin:0"><img id="graph" src="/graph.svg"></body>',
      type: 'text/html',
      headers: { 'content-security-policy': "script-src 'none'" },
    },
    '/two.html': {
      body: `<!doctype html><body>${withoutDeclaration(svg)}${withoutDeclaration(svg)}</body>`,
      type: 'text/html',
    },
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(path: string, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, colorScheme: options.colorScheme ?? 'light' });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(server.url + path);
  expect(errors).toEqual([]);
  return page;
}

const frame = (page: Page, i: number) => page.locator('.ghf-frames > g').nth(i);
const rectOf = (page: Page, i: number) =>
  frame(page, i).locator('rect').evaluate((r) => ({ x: Number(r.getAttribute('x')), width: Number(r.getAttribute('width')) }));
const matchedText = (page: Page) => page.locator('.ghf-matched').textContent();
const indexOf = (predicate: (f: (typeof frames)[number]) => boolean) => frames.findIndex(predicate);

/** A frame with frames under it and a string match somewhere below, to zoom into. */
const sessionValue = indexOf((f) => f.path.join(';') === 'global main.sessions;map[string]*main.Session;[value] *main.Session');

async function searchFor(page: Page, term: string) {
  page.once('dialog', (dialog) => dialog.accept(term));
  await page.keyboard.press('Control+f');
  await expect.poll(() => page.evaluate(() => location.search)).toContain('s=');
}

describe('the SVG opened on its own', () => {
  it('is well-formed XML whose frames, tooltips and labels are all in the DOM, with no other requests', async () => {
    const requests: string[] = [];
    const page = await browser.newPage();
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    await page.goto(server.url + '/graph.svg');
    expect(requests).toEqual(['/graph.svg']);
    expect(await page.evaluate(() => document.documentElement.getAttribute('class'))).toBe('ghf ghf-js');
    expect(await page.locator('.ghf-frames > g').count()).toBe(frames.length);
    const parseErrors = await page.evaluate(async () => {
      const text = await (await fetch('/graph.svg')).text();
      return new DOMParser().parseFromString(text, 'image/svg+xml').getElementsByTagName('parsererror').length;
    });
    expect(parseErrors).toBe(0);
    const session = frames[sessionValue]!.frame;
    expect(await frame(page, sessionValue).locator('title').textContent()).toBe(
      `[value] *main.Session (${formatBytes(session.value)}, ${((100 * session.value) / total).toFixed(2)}%)`,
    );
    await page.close();
  });

  it('fits every label inside its frame', async () => {
    const page = await open('/graph.svg');
    const overflows = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.ghf-frames > g'))
        .filter((g) => g.querySelector('text'))
        .map((g) => {
          const rect = g.querySelector('rect')!;
          const text = g.querySelector('text') as SVGTextElement;
          const right = Number(rect.getAttribute('x')) + Number(rect.getAttribute('width'));
          return Number(text.getAttribute('x')) + text.getComputedTextLength() - right;
        })
        .filter((over) => over > 0),
    );
    expect(overflows).toEqual([]);
    await page.close();
  });

  it('shows the frame under the mouse in the details line', async () => {
    const page = await open('/graph.svg');
    await frame(page, sessionValue).locator('rect').hover();
    expect(await page.locator('.ghf-details').textContent()).toBe(`Frame: ${frames[sessionValue]!.frame.title}`);
    await page.close();
  });

  it('zooms on click: the frame fills the width, ancestors stretch, unrelated frames hide', async () => {
    const page = await open('/graph.svg');
    const z = sessionValue;
    const zoomed = frames[z]!;
    await frame(page, z).locator('rect').click();
    expect(await rectOf(page, z)).toEqual({ x: XPAD, width: PLOT_WIDTH });
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const g = frame(page, i);
      const isAncestor = i < z && covers(f, zoomed);
      const isInside = covers(zoomed, f);
      if (isAncestor) {
        expect(await g.getAttribute('class')).toBe('ghf-parent');
        expect(await rectOf(page, i)).toEqual({ x: XPAD, width: PLOT_WIDTH });
      } else if (isInside) {
        const { width } = await rectOf(page, i);
        const expected = (f.frame.value / zoomed.frame.value) * PLOT_WIDTH;
        expect(Math.abs(width - expected)).toBeLessThanOrEqual(0.1 + 1e-9);
        const label = await g.locator('text').count() ? await g.locator('text').textContent() : '';
        expect(label).toBe(fitLabel(f.frame.name, formatBytes(f.frame.value), expected, CHAR_WIDTH));
      } else {
        expect(await g.evaluate((el) => getComputedStyle(el).display)).toBe('none');
      }
    }
    expect(await page.locator('.ghf-unzoom').isVisible()).toBe(true);
    await page.close();
  });

  it('resets the zoom to exactly the first drawing', async () => {
    const page = await open('/graph.svg');
    await frame(page, sessionValue).locator('rect').click();
    await page.locator('.ghf-unzoom').click();
    const now = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.ghf-frames > g')).map((g) => ({
        x: Number(g.querySelector('rect')!.getAttribute('x')),
        width: Number(g.querySelector('rect')!.getAttribute('width')),
        label: g.querySelector('text')?.textContent || undefined,
        classes: g.getAttribute('class') ?? '',
      })),
    );
    expect(now).toEqual(frames.map((f) => ({ x: f.frame.x, width: f.frame.width, label: f.frame.label, classes: '' })));
    expect(await page.locator('.ghf-unzoom').isVisible()).toBe(false);
    expect(await page.evaluate(() => location.search)).toBe('');
    await page.close();
  });

  it('highlights search matches and counts nested matches once, also when zoomed', async () => {
    const page = await open('/graph.svg');
    const re = /string/;
    await searchFor(page, 'string');
    const highlighted = await page.locator('.ghf-frames > g.ghf-match').count();
    expect(highlighted).toBe(frames.slice(1).filter((f) => re.test(f.frame.name)).length);
    const fill = await page.locator('.ghf-frames > g.ghf-match rect').first().evaluate((r) => getComputedStyle(r).fill);
    expect(fill).toBe('rgb(230, 0, 230)');
    // `map[string]…` frames match and hold `[key] string` frames that match too: counted once.
    const matched = expectedMatched(re);
    expect(matched).toBeLessThan(frames.slice(1).filter((f) => re.test(f.frame.name)).reduce((s, f) => s + f.frame.value, 0));
    expect(await matchedText(page)).toBe(`Matched: ${percent(matched, total)} of total`);

    await frame(page, sessionValue).locator('rect').click();
    const inZoom = expectedMatched(re, sessionValue);
    expect(await matchedText(page)).toBe(
      `Matched: ${percent(matched, total)} of total, ${percent(inZoom, frames[sessionValue]!.frame.value)} of zoomed frame`,
    );
    await page.close();
  });

  it('toggles case-insensitive search', async () => {
    const page = await open('/graph.svg');
    await searchFor(page, 'SESSION');
    expect(await page.locator('.ghf-frames > g.ghf-match').count()).toBe(0);
    await page.locator('.ghf-ic').click();
    expect(await page.locator('.ghf-ic').getAttribute('aria-pressed')).toBe('true');
    const re = /SESSION/i;
    expect(await page.locator('.ghf-frames > g.ghf-match').count()).toBe(frames.slice(1).filter((f) => re.test(f.frame.name)).length);
    expect(await matchedText(page)).toBe(`Matched: ${percent(expectedMatched(re), total)} of total`);
    await page.close();
  });

  it('keeps search, case and zoom in the URL, and restores them on reload', async () => {
    const page = await open('/graph.svg');
    await page.locator('.ghf-ic').click();
    await searchFor(page, 'STRING');
    await frame(page, sessionValue).locator('rect').click();
    const url = new URL(page.url());
    expect(url.searchParams.get('s')).toBe('STRING');
    expect(url.searchParams.get('i')).toBe('1');
    expect(url.searchParams.get('z')).toBe(String(sessionValue));
    const text = await matchedText(page);

    const reopened = await open(url.pathname + url.search);
    expect(await matchedText(reopened)).toBe(text);
    expect(await rectOf(reopened, sessionValue)).toEqual({ x: XPAD, width: PLOT_WIDTH });
    expect(await reopened.locator('.ghf-frames > g.ghf-hide').count()).toBeGreaterThan(0);
    await reopened.close();
    await page.close();
  });

  it('works from the keyboard: arrows move a cursor, Enter zooms, Escape resets, Tab reaches the buttons', async () => {
    const page = await open('/graph.svg');
    const details = () => page.locator('.ghf-details').textContent();
    await page.keyboard.press('ArrowUp'); // first press: the cursor lands on the root
    expect(await details()).toBe(`Frame: ${frames[0]!.frame.title}`);
    await page.keyboard.press('ArrowUp'); // towards the leaves: the first child
    expect(await details()).toBe(`Frame: ${frames[1]!.frame.title}`);
    await page.keyboard.press('ArrowRight'); // next sibling
    const second = indexOf((f) => f.depth === 1 && f !== frames[1]);
    expect(await details()).toBe(`Frame: ${frames[second]!.frame.title}`);
    await page.keyboard.press('Enter');
    expect(await rectOf(page, second)).toEqual({ x: XPAD, width: PLOT_WIDTH });
    await page.keyboard.press('Escape');
    expect(await page.locator('.ghf-frames > g.ghf-hide').count()).toBe(0);

    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab'); // Reset Zoom is hidden, so: Search, then ic
    expect(await page.evaluate(() => document.activeElement?.getAttribute('class'))).toBe('ghf-ctl ghf-ic');
    await page.keyboard.press('Shift+Tab');
    page.once('dialog', (dialog) => dialog.accept('Node'));
    await page.keyboard.press('Enter');
    await expect.poll(() => matchedText(page)).toMatch(/^Matched: /);
    await page.close();
  });

  it('treats names from the input as text', async () => {
    const page = await open('/hostile.svg');
    let dialogs = 0;
    page.on('dialog', async (dialog) => {
      dialogs++;
      await dialog.dismiss();
    });
    await page.waitForTimeout(200);
    expect(dialogs).toBe(0);
    expect(await page.locator('.ghf-frames > g title').allTextContents()).toEqual([
      'all (128 B, 100.00%)',
      '<script>alert(1)</script> (64 B, 50.00%)',
      '<img src=x onerror=alert(2)> (64 B, 50.00%)',
      'ok (64 B, 50.00%)',
    ]);
    expect(await page.evaluate(() => document.querySelectorAll('script').length)).toBe(1);
    expect(await page.evaluate(() => document.querySelectorAll('img, image').length)).toBe(0);
    await page.close();
  });

  it('is readable in the dark colour scheme', async () => {
    const page = await open('/graph.svg', { colorScheme: 'dark' });
    const fill = (selector: string) => page.locator(selector).first().evaluate((el) => getComputedStyle(el).fill);
    expect(await fill('.ghf-bg')).toBe('rgb(29, 31, 35)');
    expect(await fill('.ghf-title')).toBe('rgb(232, 232, 232)');
    expect(await fill('.ghf-frames text')).toBe('rgb(0, 0, 0)'); // on the light frame colours
    await page.close();
  });
});

describe('without JavaScript', () => {
  it('shows every frame, label, title and the total when scripts are forbidden', async () => {
    const page = await open('/sandboxed.svg');
    expect(await page.evaluate(() => document.documentElement.getAttribute('class'))).toBe('ghf'); // the script did not run
    expect(await page.locator('.ghf-frames > g').count()).toBe(frames.length);
    expect(await page.locator('.ghf-frames > g > title').count()).toBe(frames.length);
    const labels = await page.locator('.ghf-frames text').allTextContents();
    expect(labels).toEqual(frames.map((f) => f.frame.label).filter((l): l is string => l !== undefined));
    expect(await page.locator('.ghf-title').isVisible()).toBe(true);
    expect(await page.locator('.ghf-summary').textContent()).toMatch(/^Total \d+\.\d+ MiB \([\d,]+ bytes\) in 204 stacks/);
    expect(await page.locator('.ghf-search').isVisible()).toBe(false); // controls that cannot work are hidden
    await page.close();
  });

  it('draws the frames as an <img> in a page whose CSP forbids scripts', async () => {
    const page = await open('/img.html');
    const img = page.locator('#graph');
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(1200);
    const stats = await pngStats(browser, await img.screenshot());
    expect(stats.nonBackground).toBeGreaterThan(0.2);
    expect(stats.colours).toBeGreaterThan(50);
    await page.close();
  });
});

describe('two graphs inlined in one HTML page', () => {
  it('keep their own state and URL parameters', async () => {
    const page = await open('/two.html');
    const graphs = page.locator('svg.ghf');
    expect(await graphs.count()).toBe(2);
    expect(await page.locator('svg.ghf.ghf-js').count()).toBe(2);
    await graphs.nth(1).locator('.ghf-frames > g').nth(sessionValue).locator('rect').click();
    expect(await graphs.nth(0).locator('.ghf-frames > g.ghf-hide').count()).toBe(0);
    expect(await graphs.nth(1).locator('.ghf-frames > g.ghf-hide').count()).toBeGreaterThan(0);
    expect(new URL(page.url()).searchParams.get('ghf1.z')).toBe(String(sessionValue));
    await page.close();
  });
});
