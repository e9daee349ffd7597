/** The fuzz harness itself: regions where they should be, reproducible cases, a strict XML check, the outcome classes. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng, binaryRegions, coreRegions, describeMutation, layoutOf, mutate, planCase, regionSchedule, type Inputs } from './mutate.js';
import { classify, type ChildResult } from './run-case.js';
import { xmlProblem } from '../support/xml-check.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const corePath = join(root, 'samples/leaky.core');
const binaryPath = join(root, 'samples/leaky.bin');
const core = readFileSync(corePath);
const binary = readFileSync(binaryPath);
const inputs: Inputs = { core: { path: corePath, bytes: core }, binaries: { unstripped: { path: binaryPath, bytes: binary } } };

describe('regions', () => {
  const regions = coreRegions(corePath, binaryPath);
  const region = (name: string) => regions.find((r) => r.name === name)!;

  it('finds every region of the core', () => {
    expect(regions.map((r) => r.name)).toEqual(['elf-header', 'program-headers', 'notes', 'runtime-globals', 'heap-pages']);
  });

  it('maps the runtime globals through the PT_LOADs (runtime.mheap_ at 0x597040 is file offset 0x1a040)', () => {
    const mheap = region('runtime-globals').symbols!.find((s) => s.name === 'runtime.mheap_')!;
    expect(mheap.vaddr).toBe(0x597040);
    expect(mheap.ranges[0]).toEqual({ start: 0x1a040, end: 0x1b000, vaddr: 0x597040 });
    const sliceWords = region('runtime-globals').hot![0]!.offsets;
    expect(sliceWords.length).toBeGreaterThan(10);
    // mheap_.allspans (0x5a7188, file 0x1c188: pointer, then length 660) and allgs (0x58db30, file 0x16b30)
    expect(sliceWords).toContain(0x1c188);
    expect(sliceWords).toContain(0x1c190);
    expect(sliceWords).toContain(0x16b30);
  });

  it('keeps heap pages apart from the binary, the stack and the globals', () => {
    const heap = region('heap-pages');
    for (const r of heap.ranges) {
      expect(r.vaddr! >= 0x600000).toBe(true);
      expect(r.vaddr! < 0x7ff000000000).toBe(true);
    }
    expect(heap.ranges.reduce((s, r) => s + r.end - r.start, 0)).toBeGreaterThan(1 << 20);
  });

  it('finds the Go sections of the binary', () => {
    const names = binaryRegions(binaryPath).map((r) => r.name);
    const pcln = binaryRegions(binaryPath).find((r) => r.name === '.gopclntab')!;
    expect(pcln.hot!.map((h) => h.label)).toEqual(['pclntab header', 'functab']);
    for (const n of ['elf-header', 'program-headers', 'section-headers', '.gopclntab', '.go.buildinfo', '.typelink', '.itablink', '.noptrdata', '.data', '.rodata', '.debug_info']) {
      expect(names).toContain(n);
    }
  });
});

describe('cases', () => {
  const layout = layoutOf(inputs);
  const schedule = regionSchedule(layout, 7);
  const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  it('are reproducible from (seed, index)', () => {
    for (const index of [0, 1, 17, 1234]) {
      const a = planCase(inputs, layout, schedule, 7, index);
      const b = planCase(inputs, layout, regionSchedule(layout, 7), 7, index);
      expect(describeMutation(b.mutation)).toBe(describeMutation(a.mutation));
      expect(hash(b.bytes)).toBe(hash(a.bytes));
      expect(b.command).toBe(a.command);
    }
    expect(describeMutation(planCase(inputs, layout, schedule, 8, 0).mutation)).not.toBe(describeMutation(planCase(inputs, layout, schedule, 7, 0).mutation));
  });

  it('change only bytes of their region (or cut the file inside it)', () => {
    for (let index = 0; index < 60; index++) {
      const plan = planCase(inputs, layout, schedule, 7, index);
      const original = plan.mutatedFile === 'core' ? core : binary;
      const region = (plan.mutatedFile === 'core' ? layout.core : layout.binary.unstripped).find((r) => r.id === plan.region)!;
      const inside = (o: number) => region.ranges.some((r) => o >= r.start && o < r.end);
      if (plan.mutation.kind === 'truncate') {
        expect(inside(plan.bytes.length)).toBe(true);
        continue;
      }
      expect(plan.bytes.length).toBe(original.length);
      for (let o = 0; o < original.length; o++) if (plan.bytes[o] !== original[o]) expect(inside(o), `${plan.region} ${describeMutation(plan.mutation)} @${o}`).toBe(true);
    }
  });

  it('write interesting values into words', () => {
    const region = layout.core.find((r) => r.name === 'heap-pages')!;
    const seen = new Set<string>();
    for (let s = 0; s < 400; s++) {
      const { mutation } = mutate(new Rng(s), core, region);
      if (mutation.kind === 'set-word') seen.add(mutation.value!);
    }
    for (const v of ['0x0', '0x1', '0x7fffffff', '0xffffffff']) expect(seen).toContain(v);
  });
});

describe('the XML check', () => {
  const ok = (s: string) => xmlProblem(Buffer.from(s, 'utf8'));
  it('accepts a well-formed document', () => {
    expect(ok('<?xml version="1.0"?>\n<svg a="1"><title>a &amp; b &#60;</title><script><![CDATA[ if (a < b) {} ]]></script></svg>')).toBeUndefined();
    expect(ok('<svg a="&quot;\'&lt;" b=\'&lt;\'></svg>')).toBeUndefined(); // escaped '<' in attributes
  });
  it.each([
    ['a control character', '<svg>a\u0001b</svg>'],
    ['a control character in an attribute', '<svg a="\u0002"></svg>'],
    ['an unbalanced tag', '<svg><g></svg>'],
    ['an unclosed root', '<svg>'],
    ['an unquoted attribute', '<svg a=1></svg>'],
    ['an unknown entity', '<svg>&nbsp;</svg>'],
    ['a bare ampersand', '<svg>a & b</svg>'],
    ['< in an attribute', '<svg a="<"></svg>'],
    ['a duplicate attribute', '<svg a="1" a="2"></svg>'],
    ['two roots', '<svg></svg><svg></svg>'],
    ['raw markup in a script', '<svg><script>if (a<b) {}</script></svg>'],
    ['an empty file', ''],
  ])('rejects %s', (_, text) => {
    expect(ok(text)).toBeDefined();
  });
  it('rejects invalid UTF-8', () => {
    expect(xmlProblem(Buffer.from([0x3c, 0x73, 0x3e, 0xff, 0x3c, 0x2f, 0x73, 0x3e]))).toBe('not valid UTF-8');
  });
});

describe('outcome classes', () => {
  const result = (r: Partial<ChildResult>): ChildResult => ({ code: 0, signal: null, stdout: '', stderr: '', ms: 10, peakRssKb: 1, timedOut: false, rssKilled: false, ...r });
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>');
  it.each<[string, Partial<ChildResult>, Buffer | undefined, string]>([
    ['ok', {}, svg, 'ok'],
    ['bad SVG', {}, Buffer.from('<svg>&</svg>'), 'invalid-svg'],
    ['no SVG', {}, undefined, 'invalid-svg'],
    ['one sentence', { code: 4, stderr: 'goheapflame: the core is damaged.\n' }, undefined, 'clean-error'],
    ['warnings, then one sentence', { code: 8, stderr: 'goheapflame: warning: x\ngoheapflame: cut short.\n' }, undefined, 'clean-error'],
    ['two sentences', { code: 2, stderr: 'goheapflame: a.\nmore\n' }, undefined, 'unclean-error'],
    ['exit 1', { code: 1, stderr: 'goheapflame: internal error: x\n' }, undefined, 'internal-error'],
    ['a stack trace', { code: 4, stderr: 'goheapflame: x\n    at f (a.js:1:1)\n' }, undefined, 'internal-error'],
    ['a timeout', { code: null, signal: 'SIGKILL', timedOut: true }, undefined, 'hang'],
    ['V8 out of memory', { code: null, signal: 'SIGABRT', stderr: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n' }, undefined, 'oom'],
    ['SIGKILL', { code: null, signal: 'SIGKILL' }, undefined, 'oom'],
    ['SIGSEGV', { code: null, signal: 'SIGSEGV' }, undefined, 'internal-error'],
  ])('%s', (_, r, out, expected) => {
    expect(classify('flame', result(r), out).outcome).toBe(expected);
  });
  it('checks JSON from info --json', () => {
    expect(classify('info', result({ stdout: '{"a":1}' }), undefined).outcome).toBe('ok');
    expect(classify('info', result({ stdout: '{"a":' }), undefined).outcome).toBe('invalid-json');
  });
});
