import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStacks, renderFlameGraph, type Stack } from '../../src/flame/index.js';
import { fitLabel } from '../../src/flame/svg.js';
import { formatBytes, groupDigits } from '../../src/flame/units.js';
import { drawnFrames, framePaths } from '../support/svg-reading.js';
import { launchChromium, pngStats, serve, type Route } from '../support/browser.js';
import { runCli } from '../support/run-cli.js';

const XPAD = 10;
const PLOT_WIDTH = 1180;
const CHAR_WIDTH = 12 * 0.61;
/** Matches frames inside other matches in both graphs (`map[string]…` or `[]string` above `… string`). */
const SEARCH = /string/;

type FramePath = ReturnType<typeof framePaths>[number];

/** A drawn graph, and what the tests compute from its own frame data. */
interface Graph {
  svg: string;
  frames: FramePath[];
  total: number;
  /** A frame to zoom into: not the root nor its child, with frames under it and a SEARCH match among them. */
  zoom: number;
}

/** True when frame `a` is `b` or one of its ancestors. */
const covers = (a: FramePath, b: FramePath) => a.depth <= b.depth && b.path.slice(0, a.depth).join(';') === a.path.join(';');

function graphOf(svg: string): Graph {
  const frames = framePaths(drawnFrames(svg));
  const zoom = frames.findIndex(
    (f, i) => f.depth >= 2 && frames.some((g, j) => j > i && covers(f, g) && g !== f && SEARCH.test(g.frame.name)),
  );
  if (zoom < 0) throw new Error('no frame to zoom into: the graph changed');
  return { svg, frames, total: frames[0]!.frame.value, zoom };
}

/** "Matched" as the page must compute it: matches inside a counted match are not counted again. */
function expectedMatched(g: Graph, re: RegExp, within = 0): number {
  const { frames } = g;
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
const withoutDeclaration = (text: string) => text.replace(/^<\?xml[^>]*>\n/, '');

const sample = parseStacks(readFileSync(new URL('../../samples/sample.folded', import.meta.url), 'utf8')).stacks;
const hostile: Stack[] = [
  { frames: ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>'], value: 64 },
  { frames: ['ok'], value: 64 },
];

/**
 * The graphs every test below runs on: the folded sample rendered by the library, and the bundled
 * sample core rendered by the CLI as people run it (`goheapflame CORE BINARY -o FILE`).
 */
const GRAPHS = ['sample', 'core'] as const;
const graphs = {} as Record<(typeof GRAPHS)[number], Graph>;

let browser: Browser;
let server: Awaited<ReturnType<typeof serve>>;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'ghf-browser-'));
  const coreSvg = join(scratch, 'leaky.svg');
  const run = runCli(['samples/leaky.core', 'samples/leaky.bin', '-o', coreSvg]);
  if (run.code !== 0) throw new Error(`goheapflame samples/leaky.core samples/leaky.bin failed (${run.code}): ${run.stderr}`);
  graphs.sample = graphOf(renderFlameGraph(sample, { colors: 'go', title: 'Sample heap' }));
  graphs.core = graphOf(readFileSync(coreSvg, 'utf8'));

  browser = await launchChromium();
  const routes: Record<string, Route> = { '/hostile.svg': { body: renderFlameGraph(hostile), type: 'image/svg+xml' } };
  for (const key of GRAPHS) {
    const { svg } = graphs[key];
    routes[`/${key}/graph.svg`] = { body: svg, type: 'image/svg+xml' };
    routes[`/${key}/sandboxed.svg`] = { body: svg, type: 'image/svg+xml', headers: { 'content-security-policy': "script-src 'none'" } };
    routes[`/${key}/img.html`] = {
      body: '<!doctype html><body style="margin:0"><img id="graph" src="graph.svg"></body>',
      type: 'text/html',
      headers: { 'content-security-policy': "script-src 'none'" },
    };
    routes[`/${key}/two.html`] = { body: `<!doctype html><body>${withoutDeclaration(svg)}${withoutDeclaration(svg)}</body>`, type: 'text/html' };
  }
  server = await serve(routes);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
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

async function searchFor(page: Page, term: string) {
  page.once('dialog', (dialog) => dialog.accept(term));
  await page.keyboard.press('Control+f');
  await expect.poll(() => page.evaluate(() => location.search)).toContain('s=');
}

describe.each(GRAPHS)('the %s graph', (key) => {
  const at = (path: string) => `/${key}/${path}`;

  describe('opened on its own', () => {
    it('is well-formed XML whose frames, tooltips and labels are all in the DOM, with no other requests', async () => {
      const { frames, total, zoom } = graphs[key];
      const requests: string[] = [];
      const page = await browser.newPage();
      page.on('request', (request) => requests.push(new URL(request.url()).pathname));
      await page.goto(server.url + at('graph.svg'));
      expect(requests).toEqual([at('graph.svg')]);
      expect(await page.evaluate(() => document.documentElement.getAttribute('class'))).toBe('ghf ghf-js');
      expect(await page.locator('.ghf-frames > g').count()).toBe(frames.length);
      const parseErrors = await page.evaluate(async (url) => {
        const text = await (await fetch(url)).text();
        return new DOMParser().parseFromString(text, 'image/svg+xml').getElementsByTagName('parsererror').length;
      }, at('graph.svg'));
      expect(parseErrors).toBe(0);
      const target = frames[zoom]!.frame;
      expect(await frame(page, zoom).locator('title').textContent()).toBe(
        `${target.name} (${formatBytes(target.value)}, ${((100 * target.value) / total).toFixed(2)}%)`,
      );
      await page.close();
    });

    it('fits every label inside its frame', async () => {
      const page = await open(at('graph.svg'));
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
      const { frames, zoom } = graphs[key];
      const page = await open(at('graph.svg'));
      await frame(page, zoom).locator('rect').hover();
      expect(await page.locator('.ghf-details').textContent()).toBe(`Frame: ${frames[zoom]!.frame.title}`);
      await page.close();
    });

    it('zooms on click: the frame fills the width, ancestors stretch, unrelated frames hide', async () => {
      const { frames, zoom } = graphs[key];
      const page = await open(at('graph.svg'));
      const zoomed = frames[zoom]!;
      await frame(page, zoom).locator('rect').click();
      expect(await rectOf(page, zoom)).toEqual({ x: XPAD, width: PLOT_WIDTH });
      let ancestors = 0;
      for (let i = 0; i < frames.length; i++) {
        const f = frames[i]!;
        const g = frame(page, i);
        const isAncestor = i < zoom && covers(f, zoomed);
        const isInside = covers(zoomed, f);
        if (isAncestor) {
          ancestors++;
          expect(await g.getAttribute('class')).toBe('ghf-parent');
          expect(await rectOf(page, i)).toEqual({ x: XPAD, width: PLOT_WIDTH });
        } else if (isInside) {
          const { width } = await rectOf(page, i);
          const expected = (f.frame.value / zoomed.frame.value) * PLOT_WIDTH;
          expect(Math.abs(width - expected)).toBeLessThanOrEqual(0.1 + 1e-9);
          const label = (await g.locator('text').count()) ? await g.locator('text').textContent() : '';
          expect(label).toBe(fitLabel(f.frame.name, formatBytes(f.frame.value), expected, CHAR_WIDTH));
        } else {
          expect(await g.evaluate((el) => getComputedStyle(el).display)).toBe('none');
        }
      }
      expect(ancestors).toBe(zoomed.depth);
      expect(await page.locator('.ghf-unzoom').isVisible()).toBe(true);
      await page.close();
    });

    it('resets the zoom to exactly the first drawing', async () => {
      const { frames, zoom } = graphs[key];
      const page = await open(at('graph.svg'));
      await frame(page, zoom).locator('rect').click();
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
      const g = graphs[key];
      const { frames, total, zoom } = g;
      const page = await open(at('graph.svg'));
      await searchFor(page, SEARCH.source);
      const matches = frames.slice(1).filter((f) => SEARCH.test(f.frame.name));
      expect(matches.length).toBeGreaterThan(1);
      expect(await page.locator('.ghf-frames > g.ghf-match').count()).toBe(matches.length);
      const fill = await page.locator('.ghf-frames > g.ghf-match rect').first().evaluate((r) => getComputedStyle(r).fill);
      expect(fill).toBe('rgb(230, 0, 230)');
      // Some matches hold matches (`map[string]…` above `[key] string`): those are counted once.
      const matched = expectedMatched(g, SEARCH);
      expect(matched).toBeLessThan(matches.reduce((s, f) => s + f.frame.value, 0));
      expect(await matchedText(page)).toBe(`Matched: ${percent(matched, total)} of total`);

      await frame(page, zoom).locator('rect').click();
      const inZoom = expectedMatched(g, SEARCH, zoom);
      expect(inZoom).toBeGreaterThan(0);
      expect(await matchedText(page)).toBe(
        `Matched: ${percent(matched, total)} of total, ${percent(inZoom, frames[zoom]!.frame.value)} of zoomed frame`,
      );
      await page.close();
    });

    it('toggles case-insensitive search', async () => {
      const g = graphs[key];
      const page = await open(at('graph.svg'));
      await searchFor(page, 'SESSION');
      expect(await page.locator('.ghf-frames > g.ghf-match').count()).toBe(0);
      await page.locator('.ghf-ic').click();
      expect(await page.locator('.ghf-ic').getAttribute('aria-pressed')).toBe('true');
      const re = /SESSION/i;
      const matches = g.frames.slice(1).filter((f) => re.test(f.frame.name)).length;
      expect(matches).toBeGreaterThan(0);
      expect(await page.locator('.ghf-frames > g.ghf-match').count()).toBe(matches);
      expect(await matchedText(page)).toBe(`Matched: ${percent(expectedMatched(g, re), g.total)} of total`);
      await page.close();
    });

    it('keeps search, case and zoom in the URL, and restores them on reload', async () => {
      const { zoom } = graphs[key];
      const page = await open(at('graph.svg'));
      await page.locator('.ghf-ic').click();
      await searchFor(page, 'STRING');
      await frame(page, zoom).locator('rect').click();
      const url = new URL(page.url());
      expect(url.searchParams.get('s')).toBe('STRING');
      expect(url.searchParams.get('i')).toBe('1');
      expect(url.searchParams.get('z')).toBe(String(zoom));
      const text = await matchedText(page);
      expect(text).toMatch(/of zoomed frame$/);

      const reopened = await open(url.pathname + url.search);
      expect(await matchedText(reopened)).toBe(text);
      expect(await rectOf(reopened, zoom)).toEqual({ x: XPAD, width: PLOT_WIDTH });
      expect(await reopened.locator('.ghf-frames > g.ghf-hide').count()).toBeGreaterThan(0);
      await reopened.close();
      await page.close();
    });

    it('works from the keyboard: arrows move a cursor, Enter zooms, Escape resets, Tab reaches the buttons', async () => {
      const { frames } = graphs[key];
      const page = await open(at('graph.svg'));
      const details = () => page.locator('.ghf-details').textContent();
      await page.keyboard.press('ArrowUp'); // first press: the cursor lands on the root
      expect(await details()).toBe(`Frame: ${frames[0]!.frame.title}`);
      await page.keyboard.press('ArrowUp'); // towards the leaves: the first child
      expect(await details()).toBe(`Frame: ${frames[1]!.frame.title}`);
      await page.keyboard.press('ArrowRight'); // next sibling
      const second = frames.findIndex((f) => f.depth === 1 && f !== frames[1]);
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

    it('is readable in the dark colour scheme', async () => {
      const page = await open(at('graph.svg'), { colorScheme: 'dark' });
      const fill = (selector: string) => page.locator(selector).first().evaluate((el) => getComputedStyle(el).fill);
      expect(await fill('.ghf-bg')).toBe('rgb(29, 31, 35)');
      expect(await fill('.ghf-title')).toBe('rgb(232, 232, 232)');
      expect(await fill('.ghf-frames text')).toBe('rgb(0, 0, 0)'); // on the light frame colours
      await page.close();
    });
  });

  describe('without JavaScript', () => {
    it('shows every frame, label, title and the total when scripts are forbidden', async () => {
      const { frames, total } = graphs[key];
      const page = await open(at('sandboxed.svg'));
      expect(await page.evaluate(() => document.documentElement.getAttribute('class'))).toBe('ghf'); // the script did not run
      expect(await page.locator('.ghf-frames > g').count()).toBe(frames.length);
      expect(await page.locator('.ghf-frames > g > title').count()).toBe(frames.length);
      const labels = await page.locator('.ghf-frames text').allTextContents();
      expect(labels).toEqual(frames.map((f) => f.frame.label).filter((l): l is string => l !== undefined));
      expect(await page.locator('.ghf-title').isVisible()).toBe(true);
      expect(await page.locator('.ghf-summary').textContent()).toMatch(
        new RegExp(`^Total ${formatBytes(total).replace('.', '\\.')} \\(${groupDigits(total)} bytes\\) in [\\d,]+ stacks`),
      );
      expect(await page.locator('.ghf-search').isVisible()).toBe(false); // controls that cannot work are hidden
      await page.close();
    });

    it('draws the frames as an <img> in a page whose CSP forbids scripts', async () => {
      const page = await open(at('img.html'));
      const img = page.locator('#graph');
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(1200);
      const stats = await pngStats(browser, await img.screenshot());
      expect(stats.nonBackground).toBeGreaterThan(0.2);
      expect(stats.colours).toBeGreaterThan(50);
      await page.close();
    });
  });

  describe('inlined twice in one HTML page', () => {
    it('keeps each copy\'s state and URL parameters', async () => {
      const { zoom } = graphs[key];
      const page = await open(at('two.html'));
      const copies = page.locator('svg.ghf');
      expect(await copies.count()).toBe(2);
      expect(await page.locator('svg.ghf.ghf-js').count()).toBe(2);
      await copies.nth(1).locator('.ghf-frames > g').nth(zoom).locator('rect').click();
      expect(await copies.nth(0).locator('.ghf-frames > g.ghf-hide').count()).toBe(0);
      expect(await copies.nth(1).locator('.ghf-frames > g.ghf-hide').count()).toBeGreaterThan(0);
      expect(new URL(page.url()).searchParams.get('ghf1.z')).toBe(String(zoom));
      await page.close();
    });
  });
});

describe('names from the input', () => {
  it('are treated as text', async () => {
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
});
