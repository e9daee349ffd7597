import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStacks } from '../../src/flame/input.js';
import { allCombos, fixtureCore, type FixtureCore, type PlantedObjects } from '../support/fixtures.js';
import { runCli, runCliJson } from '../support/run-cli.js';
import { drawnFrames, framePaths } from '../support/svg-reading.js';

const out = mkdtempSync(join(tmpdir(), 'ghf-flame-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Runs the flame-graph command and returns what it wrote. */
function flame(fixture: FixtureCore, name: string, ...args: string[]): string {
  const file = join(out, `${fixture.go}-${fixture.dump}-${name}`);
  const r = runCli([fixture.core, fixture.binary, '-o', file, '--quiet', ...args]);
  if (r.code !== 0) throw new Error(`goheapflame exited with ${r.code}: ${r.stderr}`);
  return file;
}

/** Bytes per root frame, read from folded text: the sum of every stack under it. */
function rootTotals(folded: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const s of parseStacks(folded).stacks) totals.set(s.frames[0]!, (totals.get(s.frames[0]!) ?? 0) + s.value);
  return totals;
}

/** The root frame of the root the program planted a structure under. */
function rootFrame(p: PlantedObjects): string {
  const r = p.root;
  if (r.kind === 'global') return `global ${r.name}`;
  if (r.kind === 'local') return `goroutine ${r.goid} ${r.function} · ${r.variable}`;
  throw new Error(`no single root frame for ${r.kind}`);
}

describe.each(allCombos)('flame graph of the planted core, Go $go, $dump core', ({ go, dump }) => {
  let fixture: FixtureCore;
  let folded: string;
  let svg: string;
  let heapBytes: number;

  beforeAll(async () => {
    fixture = await fixtureCore('planted', go, dump);
    folded = readFileSync(flame(fixture, 'heap.folded', '--format', 'folded'), 'utf8');
    // Every frame drawn (--minwidth 0): the smallest planted structures are well under 0.1 px wide.
    svg = readFileSync(flame(fixture, 'heap.svg', '--minwidth', '0'), 'utf8');
    heapBytes = runCliJson<{ heap: { bytes: number } }>(['info', fixture.core, fixture.binary, '--json']).heap.bytes;
  });

  it('totals the whole heap, as info reports it, in the folded output and in the SVG', () => {
    expect([...rootTotals(folded).values()].reduce((a, b) => a + b, 0)).toBe(heapBytes);
    expect(drawnFrames(svg)[0]!.value).toBe(heapBytes);
  });

  it('gives each planted global and local root the bytes of the structure planted under it (within 1%)', () => {
    const planted = new Map<string, number>();
    for (const p of fixture.truth.planted) {
      if ((p.root.kind !== 'global' && p.root.kind !== 'local') || p.name === 'heavy.ints') continue;
      planted.set(rootFrame(p), (planted.get(rootFrame(p)) ?? 0) + p.bytes);
    }
    // heavy.ints is kept by main.huge (nearer, breadth-first); its bytes move there.
    const ints = fixture.truth.planted.find((p) => p.name === 'heavy.ints')!;
    planted.set('global main.huge', planted.get('global main.huge')! + ints.bytes);
    const totals = rootTotals(folded);
    const svgTotals = new Map(framePaths(drawnFrames(svg)).filter((f) => f.depth === 1).map((f) => [f.frame.name, f.frame.value]));
    const sessionsMap = framePaths(drawnFrames(svg)).find((f) => f.path.join(';') === 'global main.sessions;map[int64]*main.Session')!;
    for (const [frame, bytes] of planted) {
      // A map's own tables and groups sit on top of what the program planted in it.
      const expected = frame === 'global main.sessions' ? bytes + groupsOf(folded) : bytes;
      expect(Math.abs(totals.get(frame)! - expected) / expected, `${frame} (folded)`).toBeLessThan(0.01);
      expect(Math.abs(svgTotals.get(frame)! - expected) / expected, `${frame} (svg)`).toBeLessThan(0.01);
    }
    expect(sessionsMap.frame.value).toBe(totals.get('global main.sessions'));
  });

  it('shows the list of M nodes as one collapsed frame that states M', () => {
    const list = fixture.truth.planted.find((p) => p.name === 'list.Node')!;
    const lines = parseStacks(folded).stacks.filter((s) => s.frames[0] === rootFrame(list));
    expect(lines).toEqual([{ frames: [rootFrame(list), `*main.Node ×${list.count}`], value: list.bytes }]);
  });

  it('counts N objects for the planted map\'s values with --weight objects', () => {
    const sessions = fixture.truth.planted.find((p) => p.name === 'sessions.Session')!;
    const byObjects = parseStacks(readFileSync(flame(fixture, 'objects.folded', '--format', 'folded', '--weight', 'objects'), 'utf8')).stacks;
    const values = byObjects.find((s) => s.frames.join(';') === 'global main.sessions;map[int64]*main.Session;[value] *main.Session');
    expect(values?.value).toBe(sessions.count);
  });

  it('writes a pprof profile whose inuse_space and inuse_objects totals match the heap', () => {
    const file = flame(fixture, 'heap.pb.gz', '--format', 'pprof');
    const profile = Profile.decode(gunzipSync(readFileSync(file)));
    const types = profile.sampleType.map((t) => profile.stringTable.strings[Number(t.type)]);
    expect(types).toEqual(['inuse_objects', 'inuse_space']);
    const sum = (i: number) => profile.sample.reduce((a, s) => a + Number(s.value[i]), 0);
    expect(sum(1)).toBe(heapBytes);
    const objects = runCliJson<{ heap: { objects: number } }>(['info', fixture.core, fixture.binary, '--json']).heap.objects;
    expect(sum(0)).toBe(objects);
    // go tool pprof (the machine's Go) opens it and reports the same total.
    const top = execFileSync('go', ['tool', 'pprof', '-top', '-sample_index=inuse_space', '-unit=byte', file], { encoding: 'utf8' });
    expect(top).toContain(`of ${heapBytes}B total`);
  });

  it('renders its folded output to the same SVG bytes as the direct graph', () => {
    const options = ['--title', 'planted', '--colors', 'go'];
    const direct = readFileSync(flame(fixture, 'direct.svg', ...options), 'utf8');
    const viaFolded = join(out, `${go}-${dump}-via.svg`);
    const r = runCli(['render', flame(fixture, 'same.folded', '--format', 'folded'), '-o', viaFolded, ...options]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(viaFolded, 'utf8')).toBe(direct);
  });

  it('writes the retention tree as JSON whose children add up', () => {
    const tree = JSON.parse(readFileSync(flame(fixture, 'tree.json', '--format', 'json'), 'utf8')) as Tree;
    expect(tree.bytes).toBe(heapBytes);
    const check = (n: Tree): void => {
      expect(n.children.reduce((a, c) => a + c.bytes, 0)).toBeLessThanOrEqual(n.bytes);
      n.children.forEach(check);
    };
    check(tree);
  });
});

interface Tree {
  name: string;
  bytes: number;
  objects: number;
  children: Tree[];
}

/** Bytes of the planted map's own groups and tables: what ends at its map frame. */
function groupsOf(folded: string): number {
  return parseStacks(folded).stacks.find((s) => s.frames.join(';') === 'global main.sessions;map[int64]*main.Session')?.value ?? 0;
}
