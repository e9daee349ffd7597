import { describe, expect, it } from 'vitest';
import { checkDumpPair, type DumpIdentity } from '../../src/analysis/dump-pair.js';
import { diffStacks } from '../../src/graph/fold-diff.js';
import { userErrorOf } from '../support/user-error.js';

const dump = (name: string, over: Partial<DumpIdentity> = {}): DumpIdentity => ({ name, buildId: 'a/b/c/d', pid: 100, gcCycles: 5, ...over });

describe('checking two dumps as base and new', () => {
  it('accepts two dumps of one process, the base from an earlier GC cycle, without a word', () => {
    expect(checkDumpPair(dump('old'), dump('new', { gcCycles: 9 }), false)).toEqual([]);
  });

  it('refuses dumps of two builds, unless forced', () => {
    const other = dump('new', { buildId: 'x/y/z/w', gcCycles: 9 });
    const err = userErrorOf(() => checkDumpPair(dump('old'), other, false));
    expect(err.kind).toBe('binaryMismatch');
    expect(err.message).toBe('old and new come from different builds (Go build IDs a/b/c/d and x/y/z/w); give two dumps of the same program, or pass --force to compare them anyway.');
    expect(checkDumpPair(dump('old'), other, true)).toEqual(['old and new come from different builds (Go build IDs a/b/c/d and x/y/z/w); compared anyway (--force)']);
  });

  it('refuses a base dumped after the new one, when one process shows it', () => {
    const err = userErrorOf(() => checkDumpPair(dump('late', { gcCycles: 9 }), dump('early'), false));
    expect(err.kind).toBe('usage');
    expect(err.message).toBe('late was dumped after early (GC cycle 9, against 5); give the older dump first: diff BASE NEW BINARY.');
  });

  it('warns where the order cannot be told: two processes, one GC cycle, an unreadable count', () => {
    expect(checkDumpPair(dump('a'), dump('b', { pid: 200, gcCycles: 1 }), false)).toEqual([
      'a and b come from two processes (PIDs 100 and 200), so which came first cannot be checked; goroutines are matched by their IDs',
    ]);
    expect(checkDumpPair(dump('a'), dump('b'), false)).toEqual(['a and b were dumped in the same GC cycle (5), so which came first cannot be checked']);
    expect(checkDumpPair(dump('a', { gcCycles: undefined }), dump('b'), false)).toEqual([
      "the garbage collector's cycle count cannot be read, so which of a and b came first cannot be checked",
    ]);
  });
});

describe('matching the stacks of two dumps', () => {
  it('adds up each path in both, zero where a dump lacks it; new stacks first, then those only the base has', () => {
    const s = (frames: string[], bytes: number, objects = 1) => ({ frames, bytes, objects, rootKind: 'global' });
    const base = [s(['g', 'a'], 10), s(['g', 'gone'], 7, 2), s(['g', 'a'], 5)];
    const after = [s(['g', 'new'], 3), s(['g', 'a'], 20, 4)];
    expect(diffStacks(base, after)).toEqual([
      { frames: ['g', 'new'], base: { bytes: 0, objects: 0 }, after: { bytes: 3, objects: 1 } },
      { frames: ['g', 'a'], base: { bytes: 15, objects: 2 }, after: { bytes: 20, objects: 4 } },
      { frames: ['g', 'gone'], base: { bytes: 7, objects: 2 }, after: { bytes: 0, objects: 0 } },
    ]);
  });
});
