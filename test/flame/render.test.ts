import { describe, expect, it } from 'vitest';
import { formatFolded, parseStacks, renderFlameGraph, writeFlameGraph, type Stack } from '../../src/flame/index.js';
import { PassThrough } from 'node:stream';
import { drawnFrames, framePaths } from '../support/svg-reading.js';
import { fitLabel } from '../../src/flame/svg.js';
import { formatBytes } from '../../src/flame/units.js';
import { readFileSync } from 'node:fs';
import { userErrorOf } from '../support/user-error.js';

const PLOT_WIDTH = 1200 - 2 * 10;
const sample = parseStacks(readFileSync(new URL('../../samples/sample.folded', import.meta.url), 'utf8')).stacks;

/** Subtree totals by root-to-frame path, computed directly from the stacks. */
function pathTotals(stacks: Stack[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const s of stacks) {
    for (let d = 1; d <= s.frames.length; d++) {
      const key = s.frames.slice(0, d).join(';');
      totals.set(key, (totals.get(key) ?? 0) + (s.value2 ?? s.value));
    }
  }
  return totals;
}

function shuffled<T>(items: T[], start = 0): T[] {
  const out = [...items];
  let seed = 7 + start;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('layout', () => {
  const svg = renderFlameGraph(sample, { minWidth: 0 });
  const frames = framePaths(drawnFrames(svg));
  const totals = pathTotals(sample);
  const total = [...sample].reduce((sum, s) => sum + s.value, 0);

  it('draws every frame once, as wide as its count over the total', () => {
    expect(frames).toHaveLength(totals.size + 1);
    expect(frames[0]!.frame).toMatchObject({ name: 'all', value: total, x: 10, width: PLOT_WIDTH });
    for (const { frame, path } of frames.slice(1)) {
      const count = totals.get(path.join(';'));
      expect(frame.value, path.join(';')).toBe(count);
      expect(Math.abs(frame.width - (count! / total) * PLOT_WIDTH)).toBeLessThanOrEqual(0.1 + 1e-9);
    }
  });

  it('puts children side by side from the parent’s left edge, sorted by name', () => {
    for (let i = 0; i < frames.length; i++) {
      const kids = frames.filter((f, j) => j > i && f.depth === frames[i]!.depth + 1 && f.path.slice(0, -1).join(';') === frames[i]!.path.join(';'));
      const names = kids.map((k) => k.frame.name);
      expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      let x = frames[i]!.frame.x;
      for (const kid of kids) {
        expect(Math.abs(kid.frame.x - x)).toBeLessThanOrEqual(0.1 + 1e-9);
        x += (kid.frame.value / total) * PLOT_WIDTH;
      }
    }
  });

  it('stacks rows by depth, the root at the bottom, one frame height apart', () => {
    for (const { frame, depth } of frames) {
      expect(frame.y).toBeCloseTo(frames[0]!.frame.y - depth * 16, 6);
      expect(frame.height).toBe(15);
    }
  });
});

describe('pruning narrow frames', () => {
  const stacks: Stack[] = [
    { frames: ['a', 'big'], value: 9990 },
    { frames: ['a', 'tiny1'], value: 4 },
    { frames: ['a', 'tiny2', 'deeper'], value: 6 },
  ];

  it('drops frames under the minimum width, keeps their weight in the parent and says so', () => {
    // 10 of 10000 counts is 1.18 px: dropped at 2 px, kept at 1 px.
    const svg = renderFlameGraph(stacks, { minWidth: 2 });
    const names = drawnFrames(svg).map((f) => f.name);
    expect(names).toEqual(['all', 'a', 'big']);
    expect(drawnFrames(svg)[1]!.value).toBe(10000);
    expect(svg).toContain('3 frames narrower than 2 px (0.10% of the total) are merged into their parents');
    expect(drawnFrames(renderFlameGraph(stacks, { minWidth: 0.4 })).map((f) => f.name)).toEqual(['all', 'a', 'big', 'tiny1', 'tiny2', 'deeper']);
  });

  it('takes the minimum as a share of the total when it ends in %', () => {
    const names = drawnFrames(renderFlameGraph(stacks, { minWidth: '0.05%' })).map((f) => f.name);
    expect(names).toEqual(['all', 'a', 'big', 'tiny2', 'deeper']);
  });

  it('makes the image only as tall as the frames still drawn', () => {
    const tall = renderFlameGraph(stacks, { minWidth: 0 });
    const short = renderFlameGraph(stacks, { minWidth: 2 });
    const height = (svg: string) => Number(/height="(\d+)"/.exec(svg)![1]);
    expect(height(tall) - height(short)).toBe(16);
  });
});

describe('determinism', () => {
  it('gives the same bytes for the same stacks in any order', () => {
    const once = renderFlameGraph(sample, { colors: 'go' });
    expect(renderFlameGraph(sample, { colors: 'go' })).toBe(once);
    expect(renderFlameGraph(shuffled(sample), { colors: 'go' })).toBe(once);
  });

  it('gives the same bytes in any order for fractional counts too, whose sums depend on their order', () => {
    // 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last bit; every data-v would show it.
    const fractions: Stack[] = sample.map((s, n) => ({ ...s, value: s.value / 10 + [0.1, 0.2, 0.3, 1e-7][n % 4]! }));
    const once = renderFlameGraph(fractions, { minWidth: 0 });
    for (let seed = 0; seed < 5; seed++) expect(renderFlameGraph(shuffled(fractions, seed), { minWidth: 0 })).toBe(once);
    const totals = drawnFrames(once).map((f) => f.value);
    expect(totals.some((v) => !Number.isInteger(v))).toBe(true);
  });

  it('gives the same bytes when the stacks go through folded text first', () => {
    const awkward: Stack[] = [
      ...sample,
      { frames: ['global main.x', 'struct { a int; b string }'], value: 24 },
      { frames: ['goroutine 42', 'line\nbreak'], value: 8 },
      { frames: ['root', ''], value: 8 },
    ];
    const direct = renderFlameGraph(awkward, { colors: 'go', minWidth: 0 });
    expect(renderFlameGraph(parseStacks(formatFolded(awkward)).stacks, { colors: 'go', minWidth: 0 })).toBe(direct);
  });
});

describe('deep stacks', () => {
  it('draws a 100,000-frame stack (no recursion, no per-frame walk to the root)', () => {
    const frames = Array.from({ length: 100_000 }, (_, i) => `f${i % 10}`);
    const svg = renderFlameGraph([{ frames, value: 1 }, { frames: ['x'], value: 1 }], { minWidth: 0 });
    const drawn = drawnFrames(svg);
    expect(drawn).toHaveLength(100_002);
    expect(drawn[100_000]!.y).toBe(drawn[0]!.y - 100_000 * 16);
    expect(drawn[100_001]).toMatchObject({ name: 'x', x: 600, width: 590 });
  }, 300_000);
});

describe('streaming', () => {
  it('writes the same bytes to a stream, waiting when it is full', async () => {
    const big: Stack[] = Array.from({ length: 20_000 }, (_, i) => ({ frames: ['root', `child${i % 97}`, `leaf${i}`], value: 1 + (i % 13) }));
    const out = new PassThrough({ highWaterMark: 1024 });
    const parts: Buffer[] = [];
    out.on('data', (part: Buffer) => parts.push(part));
    await writeFlameGraph(big, { minWidth: 0 }, out);
    out.end();
    expect(Buffer.concat(parts).toString('utf8')).toBe(renderFlameGraph(big, { minWidth: 0 }));
  });
});

describe('self-containment', () => {
  it('refers to nothing outside the file: no fonts, scripts, images or links', () => {
    const svg = renderFlameGraph(sample, { colors: 'go' });
    const urls = svg.match(/https?:\/\/[^\s"')]+/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']));
    expect(svg.match(/url\([^)]*\)/g)).toEqual(['url(#ghf-bg-go)']);
    expect(svg).not.toMatch(/@import|@font-face|<image|href=|src=/);
  });
});

describe('escaping', () => {
  const stacks: Stack[] = [
    { frames: ['<script>alert(1)</script>', 'a & "b" > c'], value: 100 },
    { frames: ['<img src=x onerror=alert(2)>'], value: 100 },
  ];
  const svg = renderFlameGraph(stacks, { title: '<b>T</b> & co', subtitle: '"sub" <i>', notes: 'no -- comment <end> -' });

  it('writes names as text: titles and labels carry entities, never markup', () => {
    expect(svg.match(/<script/g)).toHaveLength(1); // the embedded script, nothing from the input
    expect(svg).not.toContain('<img');
    expect(svg).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; (100 B, 50.00%)</title>');
    expect(svg).toContain('>a &amp; &quot;b&quot; &gt; c (100 B)</text>');
    expect(drawnFrames(svg).map((f) => f.name)).toContain('<script>alert(1)</script>');
  });

  it('fits and escapes every label: whole names, names with sizes, cut names, names ending in `)` or `.`', () => {
    const values: Record<string, number> = { 'a & (b)': 500, 'x <y>.': 300, 'q"q..': 200, ['&'.repeat(300)]: 1000, ['k) & m.'.repeat(40)]: 1000, 'short)': 2000 };
    const names = Object.keys(values);
    const wide: Stack[] = names.map((name) => ({ frames: ['root', name], value: values[name]! }));
    const frames = drawnFrames(renderFlameGraph(wide));
    expect(frames.length).toBe(names.length + 2);
    for (const frame of frames) {
      expect(frame.label ?? '', frame.name).toBe(fitLabel(frame.name, formatBytes(frame.value), frame.width, 12 * 0.61));
    }
    const labels = frames.map((f) => f.label ?? '');
    expect(labels.some((l) => l.endsWith('..'))).toBe(true); // a cut name
    expect(labels).toContain('short) (1.95 KiB)'); // a name ending in `)`, with its size
    expect(labels.some((l) => l === 'k) & m.'.repeat(40))).toBe(false);
  });

  it('escapes titles, subtitles and notes', () => {
    expect(svg).toContain('>&lt;b&gt;T&lt;/b&gt; &amp; co</text>');
    expect(svg).toContain('>&quot;sub&quot; &lt;i&gt;</text>');
    expect(svg).toContain('<!-- NOTES: no - - comment <end> - -->');
  });
});

describe('options', () => {
  const stacks: Stack[] = [
    { frames: ['main', 'alloc'], value: 3 * 1024 * 1024 },
    { frames: ['main', 'other'], value: 1024 },
  ];

  it('writes title, subtitle, total, sizes in binary units and the details word', () => {
    const svg = renderFlameGraph(stacks, { title: 'Heap', subtitle: 'prod-1', nameType: 'Object:' });
    expect(svg).toContain('<title>Heap: 3.00 MiB</title>');
    expect(svg).toContain('>Heap</text>');
    expect(svg).toContain('>prod-1</text>');
    expect(svg).toContain('>Total 3.00 MiB (3,146,752 bytes) in 2 stacks</text>');
    expect(svg).toContain('data-name-type="Object:"');
    expect(svg).toContain('<title>alloc (3.00 MiB, 99.97%)</title>');
    expect(svg).toContain('<title>other (1.00 KiB, 0.03%)</title>');
    expect(svg).toContain('>main (3.00 MiB)</text>');
  });

  it('uses another count name with digit grouping and no sizes in labels', () => {
    const svg = renderFlameGraph(stacks, { countName: 'samples' });
    expect(svg).toContain('<title>alloc (3,145,728 samples, 99.97%)</title>');
    expect(svg).toContain('>Total 3,146,752 samples in 2 stacks</text>');
    expect(svg).toContain('>main</text>');
  });

  it('sets width, frame height, font and font size', () => {
    const svg = renderFlameGraph(stacks, { width: 800, frameHeight: 20, fontType: 'Verdana', fontSize: 10 });
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg [^>]*width="800"[^>]*viewBox="0 0 800 \d+"/);
    expect(svg).toContain('font-family="Verdana" font-size="10"');
    const frames = drawnFrames(svg);
    expect(frames[0]).toMatchObject({ x: 10, width: 780, height: 19 });
    expect(frames[1]!.y).toBe(frames[0]!.y - 20);
  });

  it('draws an icicle graph with --inverted, and reverses stacks with --reverse', () => {
    const icicle = renderFlameGraph(stacks, { inverted: true });
    expect(icicle).toContain('>Icicle Graph</text>');
    const frames = drawnFrames(icicle);
    expect(frames[1]!.y).toBe(frames[0]!.y + 16);
    expect(drawnFrames(renderFlameGraph(stacks, { reverse: true })).map((f) => f.name)).toEqual(['all', 'alloc', 'main', 'other', 'main']);
  });

  it('takes a larger --total as 100 %', () => {
    const frames = drawnFrames(renderFlameGraph(stacks, { total: 2 * 3146752 }));
    expect(frames[0]).toMatchObject({ value: 2 * 3146752, width: PLOT_WIDTH });
    expect(frames[1]).toMatchObject({ name: 'main', width: PLOT_WIDTH / 2 });
  });

  it('colours by palette: mem greens, hot reds, and name hashes that never change', () => {
    const fills = (colors: 'mem' | 'hot', hash = false) => drawnFrames(renderFlameGraph(stacks, { colors, hash })).map((f) => f.fill);
    for (const fill of fills('mem')) {
      expect(fill.slice(1, 3)).toBe('00'); // rgb(0, 190–240, 0–210)
      expect(parseInt(fill.slice(3, 5), 16)).toBeGreaterThanOrEqual(190);
    }
    for (const fill of fills('hot')) expect(parseInt(fill.slice(1, 3), 16)).toBeGreaterThanOrEqual(205);
    expect(fills('hot', true)).toEqual(fills('hot', true));
    expect(fills('hot', true)).not.toEqual(fills('hot'));
  });

  it('colours differential graphs red for growth, blue for shrinkage, white for none', () => {
    const diff: Stack[] = [
      { frames: ['a', 'grew'], value: 10, value2: 20 },
      { frames: ['a', 'shrank'], value: 20, value2: 10 },
      { frames: ['a', 'same'], value: 5, value2: 5 },
    ];
    const frames = drawnFrames(renderFlameGraph(diff));
    const byName = Object.fromEntries(frames.map((f) => [f.name, f]));
    expect(byName.grew!.fill).toBe('#ff0000');
    expect(byName.shrank!.fill).toBe('#0000ff');
    expect(byName.same!.fill).toBe('#ffffff');
    expect(byName.grew!.title).toBe('grew (+10 B, +100.0%; base 10 B, new 20 B)');
    expect(byName.shrank!.title).toBe('shrank (-10 B, -50.0%; base 20 B, new 10 B)');
    expect(byName.same!.title).toBe('same (0 B, 0.0%; base 5 B, new 5 B)');
    expect(byName.a!.value).toBe(35);
    expect(byName.a!.fill).toBe('#ffffff'); // +10 and -10: no change below it
  });

  it('rejects impossible options with usage errors', () => {
    expect(userErrorOf(() => renderFlameGraph(stacks, { width: Number.NaN })).kind).toBe('usage');
    expect(userErrorOf(() => renderFlameGraph(stacks, { minWidth: 'x%' as never })).kind).toBe('usage');
    expect(userErrorOf(() => renderFlameGraph(stacks, { colors: 'nope' as never })).kind).toBe('usage');
    expect(userErrorOf(() => renderFlameGraph(stacks, { total: 5 })).message).toMatch(/--total 5 is less than the sum/);
  });

  it('rejects empty input and all-zero counts as bad input data', () => {
    expect(userErrorOf(() => renderFlameGraph([])).kind).toBe('badInputData');
    expect(userErrorOf(() => renderFlameGraph([{ frames: ['a'], value: 0 }])).kind).toBe('badInputData');
    expect(() => renderFlameGraph([{ frames: ['a'], value: -3 }])).toThrow(RangeError);
  });
});
