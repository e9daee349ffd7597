import { describe, expect, it } from 'vitest';
import { parseStacks } from '../../src/flame/input.js';
import { runCli } from '../support/run-cli.js';

/** The flame command's selection options, on the bundled sample core (samples/leaky). */
const sample = ['samples/leaky.core', 'samples/leaky.bin', '--quiet', '--format', 'folded'];

function stacks(...args: string[]) {
  const r = runCli([...sample, ...args]);
  expect(r.code, r.stderr).toBe(0);
  return parseStacks(r.stdout).stacks;
}

const total = (s: Array<{ value: number }>) => s.reduce((a, x) => a + x.value, 0);

describe('flame graph options', () => {
  const all = stacks();

  it('--roots keeps only stacks from the chosen kinds of root, with their full weight', () => {
    const goroutines = stacks('--roots', 'goroutine');
    expect(goroutines.length).toBeGreaterThan(0);
    expect(goroutines.every((s) => s.frames[0]!.startsWith('goroutine '))).toBe(true);
    const fromGoroutines = all.filter((s) => s.frames[0]!.startsWith('goroutine '));
    expect(total(goroutines)).toBe(total(fromGoroutines));
    const both = stacks('--roots', 'goroutine', 'global');
    expect(total(both)).toBe(total(all.filter((s) => /^(goroutine|global) /.test(s.frames[0]!))));
  });

  it('--focus keeps exactly the stacks through a matching frame', () => {
    const focused = stacks('--focus', String.raw`\[value\] \*main\.Session`);
    expect(focused).toEqual(all.filter((s) => s.frames.some((f) => f === '[value] *main.Session')));
    expect(focused.length).toBeGreaterThan(1);
  });

  it('collapses the 10,000-node index tree into one frame, and --no-collapse keeps its levels', () => {
    const tree = all.filter((s) => s.frames[0] === 'goroutine 6 main.(*Server).indexLoop · root');
    expect(tree.map((s) => s.frames[1])).toContain('*main.indexNode ×10000');
    const levels = stacks('--no-collapse').filter((s) => s.frames[0] === 'goroutine 6 main.(*Server).indexLoop · root');
    expect(Math.max(...levels.map((s) => s.frames.length))).toBeGreaterThan(10);
    expect(total(levels)).toBe(total(tree));
  });

  it('--max-depth keeps deeper memory in the frame at that depth', () => {
    const capped = stacks('--no-collapse', '--max-depth', '3');
    expect(Math.max(...capped.map((s) => s.frames.length))).toBe(3);
    expect(total(capped)).toBe(total(all));
  });

  it('refuses a --focus that is not a regular expression and a --max-depth below 1', () => {
    for (const args of [['--focus', '('], ['--max-depth', '0']]) {
      const r = runCli([...sample, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^goheapflame: [^\n]+\n$/);
    }
  });
});
