/**
 * The fixture harness itself: real builds with both toolchains, real gcore and kernel cores, the
 * truth the programs write, and reuse of everything already built.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allCombos, corePatternProblem, everyRelease, fixtureBinary, fixtureCore, forgetFixtureMemo, type GoToolchain } from './support/fixtures.js';
import { coreNote, NT_PRSTATUS } from './support/core-file.js';

const programs = ['planted', 'goroutines'];
/** runtime.Version() of each toolchain: the release, and the experiments that differ from its defaults. */
const expectedVersion: Record<GoToolchain, RegExp> = {
  '1.20': /^go1\.20\.14$/,
  '1.21': /^go1\.21\.13$/,
  '1.22': /^go1\.22\.12$/,
  '1.22-noallocheaders': /^go1\.22\.12 X:noallocheaders$/,
  '1.23': /^go1\.23\.12$/,
  '1.24': /^go1\.24\.13$/,
  '1.24-noswissmap': /^go1\.24\.13 X:noswissmap$/,
  '1.25': /^go1\.25\.5$/,
  '1.25-greenteagc': /^go1\.25\.5 X:greenteagc$/,
  '1.25-noswissmap': /^go1\.25\.5 X:noswissmap$/,
  '1.26': /^go1\.26(\.\d+)?$/,
  '1.26-nogreenteagc': /^go1\.26(\.\d+)?-X:nogreenteagc$/,
  '1.27': /^go1\.27\.3$/,
};

function sectionNames(binary: string): string[] {
  const text = execFileSync('readelf', ['-S', '-W', binary], { encoding: 'utf8' });
  return [...text.matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((m) => m[1]);
}

/** The ELF header's e_type and the pr_cursig of the core's first NT_PRSTATUS note (the signal that made it). */
function coreSummary(core: string): { type: number; machine: number; cursig: number } {
  const { type, machine, desc } = coreNote(core, NT_PRSTATUS);
  return { type, machine, cursig: desc.readUInt16LE(12) };
}

describe.each(programs)('fixture program %s', (program) => {
  // Every program on Go 1.26 and 1.27; the planted one, which the release matrix uses, on every release.
  describe.each(program === 'planted' ? everyRelease : allCombos)('Go $go, $dump', ({ go, dump }) => {
    const dumped = () => fixtureCore(program, go, dump);

    it('gives a core of that process, made the asked way', async () => {
      const fixture = await dumped();
      const size = statSync(fixture.core).size;
      expect(size).toBeGreaterThan(fixture.truth.memstats.HeapAlloc);
      expect(size).toBeLessThan(16 * 2 ** 30);
      const summary = coreSummary(fixture.core);
      expect(summary.type).toBe(4); // ET_CORE
      expect(summary.machine).toBe(62); // EM_X86_64
      // The kernel's core records the SIGABRT that killed the process; gcore stops a live one.
      if (dump === 'crash') expect(summary.cursig).toBe(6);
      else expect(summary.cursig).not.toBe(6);
    }, 900_000); // the first use builds the binaries and dumps the program

    it('has truth from the asked toolchain, measured while the process was quiescent', async () => {
      const fixture = await dumped();
      const { truth } = fixture;
      expect(truth.program).toBe(program);
      expect(truth.goVersion).toMatch(expectedVersion[go]);
      expect(truth.pid).toBe(fixture.pid);
      expect([truth.goos, truth.goarch]).toEqual(['linux', 'amd64']);
      expect(truth.memstats.HeapObjects).toBeGreaterThan(truth.planted.reduce((sum, p) => sum + p.count, 0));
      expect(truth.memstats.HeapAlloc).toBeGreaterThan(truth.planted.reduce((sum, p) => sum + p.bytes, 0));
      expect(truth.quiescence).toEqual({ mallocs: 0, frees: 0, numGC: 0 });
      for (const p of truth.planted) {
        expect(p.allocSize, p.name).toBeGreaterThanOrEqual(p.size + (p.mallocHeader ? 8 : 0));
        expect(p.bytes, p.name).toBe(p.count * p.allocSize);
      }
    });

    it('has stacks.txt showing every planted goroutine in its planned state', async () => {
      const { truth, truthDir } = await dumped();
      const blocks = readFileSync(join(truthDir, 'stacks.txt'), 'utf8').split('\n\n');
      const block = (goid: number) => blocks.find((b) => b.startsWith(`goroutine ${goid} [`));
      expect(block(truth.stackCaller.goid)).toMatch(/^goroutine \d+ \[running\]:/);
      expect(truth.goroutines.length).toBeGreaterThan(0);
      for (const g of truth.goroutines) {
        const stack = block(g.goid);
        expect(stack?.match(/^goroutine \d+ \[([^,\]]*)/)?.[1], g.name).toBe(g.stackState);
        // Before Go 1.25 a default traceback hides the finalizer goroutine's runtime.runfinq frame.
        const hidden = g.function === 'runtime.runfinq' && Number(go.split(/[.-]/)[1]) < 25;
        if (!hidden) expect(stack, g.name).toContain(`\n${g.function}(`);
      }
    });
  });
});

describe('fixture binaries', () => {
  it.each(Object.keys(expectedVersion) as GoToolchain[])('Go %s: stripped has neither DWARF nor .symtab, default has both, PIE is ET_DYN', async (go) => {
    const { binary, strippedBinary, pieBinary } = await fixtureBinary('planted', go);
    expect(sectionNames(binary)).toEqual(expect.arrayContaining(['.debug_info', '.symtab']));
    const stripped = sectionNames(strippedBinary);
    expect(stripped).not.toContain('.debug_info');
    expect(stripped).not.toContain('.symtab');
    expect(stripped).toContain('.gopclntab');
    expect(execFileSync('readelf', ['-h', pieBinary!], { encoding: 'utf8' })).toMatch(/Type:\s+DYN/);
  });
});

describe('reuse', () => {
  it('finds built binaries and this run\'s cores on disk instead of building them again', async () => {
    const first = await fixtureCore('planted', '1.26', 'gcore');
    const stamp = (path: string) => {
      const s = statSync(path);
      return [s.ino, s.mtimeMs];
    };
    const before = [first.binary, first.strippedBinary, first.core, join(first.truthDir, 'truth.json')].map(stamp);
    forgetFixtureMemo();
    const second = await fixtureCore('planted', '1.26', 'gcore');
    expect(second).toEqual(first);
    expect([second.binary, second.strippedBinary, second.core, join(second.truthDir, 'truth.json')].map(stamp)).toEqual(before);
  });

  it('rejects unknown programs', async () => {
    await expect(fixtureBinary('no-such-program', '1.26')).rejects.toThrow(/no fixture program no-such-program/);
  });
});

describe('kernel core_pattern for the crash method', () => {
  it('accepts a plain name in the working directory', () => {
    expect(corePatternProblem('core')).toBeUndefined();
    expect(corePatternProblem('core.%e.%p')).toBeUndefined();
  });

  it('refuses pipes, other directories and no pattern, saying which', () => {
    expect(corePatternProblem('|/usr/share/apport/apport -p%p')).toMatch(/is a pipe \("\|\/usr\/share\/apport\/apport -p%p"\)/);
    expect(corePatternProblem('/var/crash/core.%p')).toMatch(/outside the process's working directory/);
    expect(corePatternProblem('')).toMatch(/is empty/);
  });
});
