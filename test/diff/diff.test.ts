import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffTreeNode } from '../../src/export/tree-json.js';
import { GONE_FRAME } from '../../src/flame/differential.js';
import { formatBytes } from '../../src/flame/units.js';
import { drawnFrames, framePaths } from '../support/svg-reading.js';
import { fixtureCore } from '../support/fixtures.js';
import { growingFixture, type GrowingFixture } from '../support/growing-fixture.js';
import { runCli, runCliJson } from '../support/run-cli.js';
import { xmlProblem } from '../support/xml-check.js';

/** The program's own figure for each of its five roots (growth.json), by frame name. */
const rootFrame = (root: string) => `global ${root}`;
const changeOf = (node: DiffTreeNode, key: 'bytes' | 'objects' = 'bytes') => node.new[key] - node.base[key];

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ghf-diff-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('diff of two dumps of a growing program', () => {
  let fixture: GrowingFixture;
  let tree: DiffTreeNode;
  beforeAll(async () => {
    fixture = await growingFixture('1.26');
    tree = runCliJson<DiffTreeNode>(['diff', fixture.base.core, fixture.grown.core, fixture.binary, '--format', 'json', '-q']);
  }, 900_000);

  it('puts under each root the bytes and objects its change added or freed, as the program measured them', () => {
    for (const { root, heapAllocDelta, heapObjectsDelta } of fixture.growth) {
      const node = tree.children.find((c) => c.name === rootFrame(root));
      expect(node, root).toBeDefined();
      // Dropped: its frame is in the base only.
      if (root === 'main.retired') expect(node!.new).toEqual({ bytes: 0, objects: 0 });
      if (heapAllocDelta === 0) {
        expect(changeOf(node!), root).toBe(0);
        expect(node!.base.bytes, root).toBeGreaterThan(0);
      } else {
        expect(Math.abs(changeOf(node!) - heapAllocDelta), root).toBeLessThanOrEqual(Math.abs(heapAllocDelta) * 0.02);
        expect(Math.abs(changeOf(node!, 'objects') - heapObjectsDelta), root).toBeLessThanOrEqual(Math.abs(heapObjectsDelta) * 0.02);
      }
    }
  });

  it('gives the whole heap of each dump, as its MemStats say', () => {
    const { base, grown } = fixture;
    expect(Math.abs(tree.base.bytes - base.truth.memstats.HeapAlloc)).toBeLessThanOrEqual(base.truth.memstats.HeapAlloc * 0.005);
    expect(Math.abs(tree.new.bytes - grown.truth.memstats.HeapAlloc)).toBeLessThanOrEqual(grown.truth.memstats.HeapAlloc * 0.005);
    expect(Math.abs(tree.new.objects - grown.truth.memstats.HeapObjects)).toBeLessThanOrEqual(grown.truth.memstats.HeapObjects * 0.005);
  });

  it('draws the same figures in the SVG: widths, tooltips, colours, the growth as subtitle and a legend', () => {
    const out = join(scratch, 'growth.svg');
    const run = runCli(['diff', fixture.base.core, fixture.grown.core, fixture.binary, '-o', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^Heap [\d.]+ MiB → [\d.]+ MiB \(\+[\d.]+ MiB\); .*Grew most: global main\.cache \(\+[\d.]+ MiB\), global main\.journal/m);
    const svg = readFileSync(out, 'utf8');
    expect(xmlProblem(Buffer.from(svg))).toBeUndefined();
    const frames = framePaths(drawnFrames(svg));
    const byPath = new Map(frames.map((f) => [f.path.join(';'), f.frame]));
    for (const node of tree.children) {
      const drawn = byPath.get(node.name);
      if (node.new.bytes === 0) {
        expect(drawn, node.name).toBeUndefined();
        continue;
      }
      if (!drawn) continue; // narrower than the minimum width
      expect(drawn.value, node.name).toBe(node.new.bytes);
      expect(drawn.title, node.name).toMatch(/; base .+, new .+\)$/);
    }
    const fill = (root: string) => byPath.get(rootFrame(root))!.fill;
    const [r, g, b] = [1, 3, 5].map((k) => (hex: string) => parseInt(hex.slice(k, k + 2), 16));
    expect(r!(fill('main.cache'))).toBe(255); // the largest growth: full red
    expect([g!(fill('main.cache')), b!(fill('main.cache'))]).toEqual([0, 0]);
    expect(b!(fill('main.pending'))).toBe(255); // shrank: blue
    expect(r!(fill('main.pending'))).toBeLessThan(255);
    expect(fill('main.steady')).toBe('#ffffff');
    // What vanished is drawn under (gone), at its base width.
    const retired = tree.children.find((c) => c.name === rootFrame('main.retired'))!;
    expect(byPath.get(`${GONE_FRAME};${rootFrame('main.retired')}`)!.value).toBe(retired.base.bytes);
    const change = tree.new.bytes - tree.base.bytes;
    expect(svg).toMatch(new RegExp(`class="ghf-subtitle"[^>]*>Growth \\+[\\d.]+ MiB \\(\\+[\\d.]+%\\): base [\\d.]+ MiB, new [\\d.]+ MiB</text>`));
    expect(frames[0]!.frame.title).toContain(`(+${formatBytes(change)}, `);
    expect(svg).toMatch(/class="ghf-legend-high"[^>]*>\+[\d.]+ MiB grew<\/text>/);
  });

  it('writes two-count folded text that `render` draws as the same SVG, and weighs by objects on request', () => {
    const folded = runCli(['diff', fixture.base.core, fixture.grown.core, fixture.binary, '--format', 'folded', '-q']);
    expect(folded.code, folded.stderr).toBe(0);
    const lines = folded.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/ \d+ \d+$/);
    const cache = lines.filter((l) => l.startsWith(`${rootFrame('main.cache')};`) || l.startsWith(`${rootFrame('main.cache')} `));
    const sum = (k: number) => cache.reduce((s, l) => s + Number(l.split(' ').at(k)), 0);
    expect(sum(-1) - sum(-2)).toBe(changeOf(tree.children.find((c) => c.name === rootFrame('main.cache'))!));

    const foldedFile = join(scratch, 'growth.folded');
    writeFileSync(foldedFile, folded.stdout);
    const title = ['--title', 'growing'];
    const fromDiff = runCli(['diff', fixture.base.core, fixture.grown.core, fixture.binary, '-q', ...title]);
    const fromRender = runCli(['render', foldedFile, ...title, '--colors', 'go']);
    expect(fromRender.code, fromRender.stderr).toBe(0);
    expect(fromRender.stdout).toBe(fromDiff.stdout);

    const objects = runCli(['diff', fixture.base.core, fixture.grown.core, fixture.binary, '--format', 'folded', '--weight', 'objects', '-q']);
    const journal = objects.stdout.split('\n').filter((l) => l.startsWith(rootFrame('main.journal')));
    const journalChange = journal.reduce((s, l) => s + Number(l.split(' ').at(-1)) - Number(l.split(' ').at(-2)), 0);
    expect(journalChange).toBe(fixture.growth.find((g) => g.root === 'main.journal')!.heapObjectsDelta);
  });

  it('refuses the dumps in the wrong order, and a core of another program', async () => {
    const swapped = runCli(['diff', fixture.grown.core, fixture.base.core, fixture.binary, '-o', join(scratch, 'x.svg')]);
    expect(swapped.code).toBe(2);
    expect(swapped.stderr).toMatch(/^goheapflame: .*grown\/core was dumped after .*base\/core \(GC cycle \d+, against \d+\); give the older dump first/);
    const other = runCli(['diff', fixture.base.core, 'samples/leaky.core', fixture.binary]);
    expect(other.code).toBe(6);
    expect(other.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('diff on a stripped binary', () => {
  it('finds the same changes by size, and the same totals', async () => {
    const stripped = await growingFixture('1.26', 'stripped');
    const tree = runCliJson<DiffTreeNode>(['diff', stripped.base.core, stripped.grown.core, stripped.binary, '--format', 'json', '-q']);
    const { base, grown } = stripped;
    expect(Math.abs(tree.base.bytes - base.truth.memstats.HeapAlloc)).toBeLessThanOrEqual(base.truth.memstats.HeapAlloc * 0.005);
    expect(Math.abs(tree.new.bytes - grown.truth.memstats.HeapAlloc)).toBeLessThanOrEqual(grown.truth.memstats.HeapAlloc * 0.005);
    // Without names, the globals are matched by section and offset: each change still has its own root.
    const changes = tree.children.map((c) => changeOf(c)).filter((c) => c !== 0);
    for (const { root, heapAllocDelta } of stripped.growth.filter((g) => g.heapAllocDelta !== 0)) {
      const nearest = changes.reduce((best, c) => (Math.abs(c - heapAllocDelta) < Math.abs(best - heapAllocDelta) ? c : best));
      expect(Math.abs(nearest - heapAllocDelta), root).toBeLessThanOrEqual(Math.abs(heapAllocDelta) * 0.02);
    }
  }, 900_000);
});

describe('diff labels', () => {
  it('leave a chain\'s count out, so that a list is one frame in both dumps', async () => {
    const f = await fixtureCore('retention', '1.26', 'gcore');
    const flame = runCli([f.core, f.binary, '--format', 'folded', '-q']).stdout;
    expect(flame).toMatch(/^global main\.queue;\*main\.Job ×100 \d+$/m);
    const diff = runCli(['diff', f.core, f.core, f.binary, '--format', 'folded', '-q']);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/^global main\.queue;\*main\.Job (\d+) \1$/m);
    expect(diff.stdout).not.toContain('×');
  }, 900_000);
});
