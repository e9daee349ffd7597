import { describe, expect, it } from 'vitest';
import { formatFolded, renderFlameGraph, type Stack } from '../../src/flame/index.js';
import { readFrameTree } from '../../src/flame/input.js';
import { GONE_FRAME, withGoneFrame } from '../../src/flame/differential.js';
import { drawnFrames, framePaths } from '../support/svg-reading.js';
import { xmlProblem } from '../support/xml-check.js';

/** Base and new counts of every root-to-frame path, straight from the stacks (one count: the same in both). */
function pathFigures(stacks: Stack[]): Map<string, { base: number; after: number }> {
  const figures = new Map<string, { base: number; after: number }>();
  for (const s of stacks) {
    for (let d = 1; d <= s.frames.length; d++) {
      const key = s.frames.slice(0, d).join(';');
      const f = figures.get(key) ?? { base: 0, after: 0 };
      f.base += s.value;
      f.after += s.value2 ?? s.value;
      figures.set(key, f);
    }
  }
  return figures;
}

/** A random differential profile: paths in a small tree, some only in the base, some only in the new one. */
function randomDiff(seed: number, count: number): Stack[] {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  const stacks: Stack[] = [];
  for (let k = 0; k < count; k++) {
    const frames = Array.from({ length: 1 + next(4) }, () => 'abcd'[next(4)]!);
    const kind = next(5);
    const value = kind === 0 ? 0 : next(100);
    const value2 = kind === 1 ? 0 : kind === 2 ? undefined : next(100);
    stacks.push(value2 === undefined ? { frames, value } : { frames, value, value2 });
  }
  return stacks;
}

describe('differential flame graphs', () => {
  const stacks: Stack[] = [
    { frames: ['a', 'grew'], value: 10, value2: 20 },
    { frames: ['a', 'shrank'], value: 20, value2: 10 },
    { frames: ['a', 'same'], value: 5, value2: 5 },
    { frames: ['a', 'old', 'x'], value: 7, value2: 0 },
    { frames: ['b', 'old'], value: 3, value2: 0 },
    { frames: ['c'], value: 0, value2: 4 },
  ];

  it('draws each frame as wide as its new count, with base, new, change and percentage in its tooltip', () => {
    const frames = drawnFrames(renderFlameGraph(stacks, { minWidth: 0 }));
    const kept = framePaths(frames).filter((f) => f.path[0] !== GONE_FRAME && f.depth > 0);
    const truth = pathFigures(stacks);
    for (const { frame, path } of kept) {
      const t = truth.get(path.join(';'))!;
      expect(frame.value, path.join(';')).toBe(t.after);
      const change = t.after - t.base;
      const sign = change > 0 ? '+' : change < 0 ? '-' : '';
      expect(frame.title).toContain(`(${sign}${Math.abs(change)} B, `);
      expect(frame.title).toContain(`; base ${t.base} B, new ${t.after} B)`);
    }
    // Every path that still holds something is drawn, and none that holds nothing new.
    expect(kept.map((f) => f.path.join(';')).sort()).toEqual([...truth].filter(([, t]) => t.after > 0).map(([p]) => p).sort());
    const byName = Object.fromEntries(kept.map((f) => [f.path.join(';'), f.frame.title]));
    expect(byName['a;grew']).toBe('grew (+10 B, +100.0%; base 10 B, new 20 B)');
    expect(byName['a;shrank']).toBe('shrank (-10 B, -50.0%; base 20 B, new 10 B)');
    expect(byName.c).toBe('c (+4 B, new; base 0 B, new 4 B)');
  });

  it('draws what vanished under (gone), at its base width, with the frames that led to it', () => {
    const frames = framePaths(drawnFrames(renderFlameGraph(stacks, { minWidth: 0 })));
    const gone = frames.filter((f) => f.path[0] === GONE_FRAME);
    expect(gone.map((f) => [f.path.join(';'), f.frame.value, f.frame.fill])).toEqual([
      ['(gone)', 10, '#0000ff'],
      ['(gone);a', 7, expect.any(String)],
      ['(gone);a;old', 7, expect.any(String)],
      ['(gone);a;old;x', 7, expect.any(String)],
      ['(gone);b', 3, expect.any(String)],
      ['(gone);b;old', 3, expect.any(String)],
    ]);
    for (const f of gone) expect(f.frame.title).toMatch(/-100\.0%; base \d+ B, new 0 B\)$/);
    // The root spans new + what vanished; its tooltip gives the whole graph's figures.
    expect(frames[0]!.frame.value).toBe(39 + 10);
    expect(frames[0]!.frame.title).toBe('all (-6 B, -13.3%; base 45 B, new 39 B)');
    // `a` still exists: its base includes the part that vanished, so it shows the loss.
    expect(frames.find((f) => f.path.join(';') === 'a')!.frame.title).toBe('a (-7 B, -16.7%; base 42 B, new 35 B)');
  });

  it('colours by the change: white for none, full red and blue at the largest change drawn, linear between', () => {
    const fill = new Map(framePaths(drawnFrames(renderFlameGraph(stacks, { minWidth: 0 }))).map((f) => [f.path.join(';'), f.frame.fill]));
    // The largest change of a drawn frame is 10 (grew +10, shrank -10, (gone) -10).
    expect(fill.get('a;grew')).toBe('#ff0000');
    expect(fill.get('a;shrank')).toBe('#0000ff');
    expect(fill.get('a;same')).toBe('#ffffff');
    expect(fill.get('c')).toBe('#ff9999'); // +4: 40% of the way from white to red
    expect(fill.get('a')).toBe('#4d4dff'); // -7: 70% of the way from white to blue
  });

  it('states the growth as the subtitle and draws a legend of the colour scale', () => {
    const svg = renderFlameGraph(stacks);
    expect(xmlProblem(Buffer.from(svg))).toBeUndefined();
    expect(svg).toContain('<text class="ghf-subtitle" x="600" y="45">Growth -6 B (-13.3%): base 45 B, new 39 B</text>');
    expect(svg).toMatch(/<text class="ghf-legend-low"[^>]*>shrank -10 B<\/text><rect [^>]*fill="url\(#ghf-change\)"/);
    expect(svg).toMatch(/<text class="ghf-legend-high"[^>]*>\+10 B grew<\/text>/);
    expect(svg).toContain('>New 39 B in 6 stacks; (gone) holds 10 B that vanished</text>');
    // A subtitle the user gives is kept; the legend stays.
    const titled = renderFlameGraph(stacks, { subtitle: 'before and after the deploy' });
    expect(titled).toContain('>before and after the deploy</text>');
    expect(titled).toContain('class="ghf-legend"');
    // A graph with one count per line has neither.
    expect(renderFlameGraph([{ frames: ['a'], value: 1 }])).not.toContain('class="ghf-legend"');
  });

  it('tells its own (gone) frame from a frame of the input that has that name', () => {
    const svg = renderFlameGraph([{ frames: ['(gone)'], value: 5, value2: 6 }, { frames: ['a'], value: 1, value2: 1 }]);
    expect(svg).toContain('>New 7 B in 2 stacks</text>');
    const withVanished = renderFlameGraph([{ frames: ['(gone)'], value: 5, value2: 6 }, { frames: ['b'], value: 3, value2: 0 }]);
    expect(withVanished).toContain('>New 6 B in 2 stacks; (gone) holds 3 B that vanished</text>');
  });

  it('gives the same SVG from its two-count folded text, in any order of lines', () => {
    const text = formatFolded(stacks);
    expect(text).toContain('a;grew 10 20\n');
    const fromText = readFrameTree([...text.trim().split('\n')].reverse().join('\n'), false).tree;
    const direct = readFrameTree(text, false).tree;
    expect(withGoneFrame(fromText)).toEqual(withGoneFrame(direct));
  });

  it('matches a brute-force computation on random profiles', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const random = randomDiff(seed, 40);
      if (!random.some((s) => s.value2 !== undefined) || !random.some((s) => (s.value2 ?? s.value) > 0)) continue;
      const tree = withGoneFrame(readFrameTree(formatFolded(random), false).tree);
      const truth = pathFigures(random);
      // Walk the tree's pre-order with paths, as drawn.
      const open: string[] = [];
      let goneTotal = 0;
      for (let i = 1; i < tree.size; i++) {
        open.length = tree.depth[i]! - 1;
        open.push(tree.name[i]!);
        if (open[0] === GONE_FRAME) {
          if (open.length === 1) goneTotal = tree.total[i]!;
          expect(tree.delta![i]).toBe(-tree.total[i]!);
          continue;
        }
        const t = truth.get(open.join(';'))!;
        expect([tree.total[i], tree.base![i], tree.delta![i]], `seed ${seed} ${open.join(';')}`).toEqual([t.after, t.base, t.after - t.base]);
        expect(t.after > 0 || t.base === 0, 'a frame that vanished is drawn only under (gone)').toBe(true);
      }
      // What vanished: the base of each topmost path with nothing new.
      let vanished = 0;
      for (const [path, t] of truth) {
        const parent = path.split(';').slice(0, -1).join(';');
        if (t.after === 0 && (parent === '' || truth.get(parent)!.after > 0)) vanished += t.base;
      }
      expect(goneTotal, `seed ${seed}`).toBe(vanished);
      let after = 0;
      let base = 0;
      for (const s of random) {
        base += s.value;
        after += s.value2 ?? s.value;
      }
      expect([tree.total[0], tree.base![0], tree.delta![0]]).toEqual([after + vanished, base, after - base]);
    }
  });
});
