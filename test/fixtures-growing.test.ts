/**
 * The growing fixture's harness itself: two real gcore dumps of one process, the truth of both
 * states, and growth.json's per-root MemStats deltas checked against what the program planted.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { coreNote, NT_PRPSINFO } from './support/core-file.js';
import type { Truth } from './support/fixtures.js';
import { type GrowingFixture, growingFixture } from './support/growing-fixture.js';

/** The sizes test/fixtures/growing/main.go plants (its constants), and the objects one element is. */
const planted = {
  cacheBase: 2000,
  cacheAdded: 6000,
  entry: 32 + 1024, // Entry{ID, Payload} + its 1 KiB payload
  journalBase: 4000,
  journalAdded: 16_000,
  record: 24 + 320, // Record{Seq, Text} + its 300-byte text, in a 320-byte slot
  steadyBlocks: 500,
  block: 512,
  retiredBufs: 300,
  buf: 32 + 2048, // Buf{ID, Data} + its 2 KiB data
  pendingBase: 1000,
  pendingKept: 200,
  job: 32 + 1024, // Job{ID, Data} + its 1 KiB data
};
const roots = ['main.cache', 'main.journal', 'main.steady', 'main.retired', 'main.pending'];

/** The ELF header's e_type and e_machine, and NT_PRPSINFO's pr_pid and pr_fname. */
function coreProcess(core: string): { type: number; machine: number; pid: number; fname: string } {
  const { type, machine, desc } = coreNote(core, NT_PRPSINFO);
  // struct elf_prpsinfo on x86-64: pr_pid at 24, pr_fname[16] at 40.
  const fname = desc.subarray(40, 56).toString('latin1').replace(/\0.*$/s, '');
  return { type, machine, pid: desc.readInt32LE(24), fname };
}

/** Bytes and objects the truth plants for one structure (all of them when the structure is gone). */
function plantedIn(truth: Truth, structure: string): { bytes: number; objects: number } {
  const kinds = truth.planted.filter((p) => p.structure === structure);
  return { bytes: kinds.reduce((sum, p) => sum + p.bytes, 0), objects: kinds.reduce((sum, p) => sum + p.count, 0) };
}

describe('growing fixture (Go 1.26, gcore twice)', () => {
  let fixture: GrowingFixture;
  beforeAll(async () => {
    fixture = await growingFixture();
  }, 900_000); // the first use builds the binaries and dumps the program twice

  const delta = (root: string) => fixture.growth.find((g) => g.root === root)!;
  const change = (structure: string) => {
    const before = plantedIn(fixture.base.truth, structure);
    const after = plantedIn(fixture.grown.truth, structure);
    return { bytes: after.bytes - before.bytes, objects: after.objects - before.objects, base: before };
  };

  it('gives two ELF cores of one process, each small on disk', () => {
    expect(fixture.base.core).not.toBe(fixture.grown.core);
    for (const { core, truth } of [fixture.base, fixture.grown]) {
      const summary = coreProcess(core);
      expect(summary.type).toBe(4); // ET_CORE
      expect(summary.machine).toBe(62); // EM_X86_64
      expect(summary.pid).toBe(fixture.pid);
      expect(summary.fname).toBe('growing');
      expect(truth.pid).toBe(fixture.pid);
      expect(truth.program).toBe('growing');
      expect(truth.goVersion).toMatch(/^go1\.26(\.\d+)?$/);
      const { blocks, size } = statSync(core);
      expect(size).toBeGreaterThan(truth.memstats.HeapAlloc);
      expect(blocks * 512).toBeLessThan(100 * 2 ** 20);
    }
  });

  it('was quiescent from each measurement until it woke up after its dump', () => {
    for (const state of ['base', 'grown'] as const) {
      expect(fixture[state].truth.quiescence, state).toEqual({ mallocs: 0, frees: 0, numGC: 0 });
      // quiescence.json, the shorter interval every fixture has, agrees.
      expect(JSON.parse(readFileSync(join(fixture.dir, state, 'quiescence.json'), 'utf8')), state).toEqual({ mallocs: 0, frees: 0, numGC: 0 });
    }
  });

  it('plants what main.go says in each state', () => {
    const count = (truth: Truth, name: string) => truth.planted.find((p) => p.name === name)?.count;
    const { base, grown } = { base: fixture.base.truth, grown: fixture.grown.truth };
    expect(count(base, 'cache.payload')).toBe(planted.cacheBase);
    expect(count(grown, 'cache.payload')).toBe(planted.cacheBase + planted.cacheAdded);
    expect(count(base, 'journal.Record')).toBe(planted.journalBase);
    expect(count(grown, 'journal.Record')).toBe(planted.journalBase + planted.journalAdded);
    expect(count(base, 'steady.Block')).toBe(planted.steadyBlocks);
    expect(count(grown, 'steady.Block')).toBe(planted.steadyBlocks);
    expect(count(base, 'retired.data')).toBe(planted.retiredBufs);
    expect(count(grown, 'retired.data')).toBeUndefined();
    expect(count(base, 'pending.Job')).toBe(planted.pendingBase);
    expect(count(grown, 'pending.Job')).toBe(planted.pendingKept);
  });

  it('has growth.json with the five roots in the order they changed', () => {
    expect(fixture.growth.map((g) => g.root)).toEqual(roots);
    for (const g of fixture.growth) {
      expect(Number.isInteger(g.heapAllocDelta), g.root).toBe(true);
      expect(Number.isInteger(g.heapObjectsDelta), g.root).toBe(true);
    }
  });

  it('main.cache grew by its new entries and the map tables that hold them', () => {
    const { bytes, objects } = change('cache');
    expect(bytes).toBe(planted.cacheAdded * planted.entry);
    expect(delta('main.cache').heapAllocDelta).toBeGreaterThanOrEqual(bytes);
    expect(delta('main.cache').heapAllocDelta).toBeLessThan(bytes * 1.1);
    expect(delta('main.cache').heapObjectsDelta).toBeGreaterThanOrEqual(objects);
  });

  it('main.journal grew by its new records and its bigger backing array', () => {
    const { bytes, objects } = change('journal');
    expect(bytes).toBeGreaterThan(planted.journalAdded * planted.record);
    expect(Math.abs(delta('main.journal').heapAllocDelta - bytes)).toBeLessThanOrEqual(bytes * 0.01);
    expect(Math.abs(delta('main.journal').heapObjectsDelta - objects)).toBeLessThanOrEqual(objects * 0.01);
  });

  it('main.steady did not change', () => {
    const { bytes, base } = change('steady');
    expect(bytes).toBe(0);
    expect(base.bytes).toBeGreaterThanOrEqual(planted.steadyBlocks * planted.block);
    expect(Math.abs(delta('main.steady').heapAllocDelta)).toBeLessThanOrEqual(base.bytes * 0.01);
    expect(Math.abs(delta('main.steady').heapObjectsDelta)).toBeLessThanOrEqual(5);
  });

  it('main.retired vanished entirely', () => {
    const { bytes, objects, base } = change('retired');
    expect(bytes).toBe(-base.bytes);
    expect(base.bytes).toBeGreaterThan(planted.retiredBufs * planted.buf);
    expect(Math.abs(delta('main.retired').heapAllocDelta - bytes)).toBeLessThanOrEqual(base.bytes * 0.01);
    expect(Math.abs(delta('main.retired').heapObjectsDelta - objects)).toBeLessThanOrEqual(5);
  });

  it('main.pending shrank by the jobs it let go, and kept its backing array', () => {
    const { bytes, objects } = change('pending');
    expect(bytes).toBe(-(planted.pendingBase - planted.pendingKept) * planted.job);
    expect(delta('main.pending').heapAllocDelta).toBeLessThan(0);
    expect(Math.abs(delta('main.pending').heapAllocDelta - bytes)).toBeLessThanOrEqual(-bytes * 0.01);
    expect(Math.abs(delta('main.pending').heapObjectsDelta - objects)).toBeLessThanOrEqual(5);
  });

  it('the two measurements differ by the sum of the deltas, within 2%', () => {
    const sum = fixture.growth.reduce((total, g) => total + g.heapAllocDelta, 0);
    const measured = fixture.grown.truth.memstats.HeapAlloc - fixture.base.truth.memstats.HeapAlloc;
    expect(sum).toBeGreaterThan(0);
    expect(Math.abs(measured - sum)).toBeLessThanOrEqual(sum * 0.02);
  });
});
